/**
 * Closing a connection whose request body is refused while the client may still be sending it.
 *
 * Closing the socket at once (what Node does after a `Connection: close` answer) while the client's bytes
 * are still arriving makes the kernel reset the connection, and a reset can cost the client the answer
 * it has not read yet: it sees "connection reset" instead of the 413. So, as RFC 9112 §9.6 advises (and
 * as Go's and nginx's servers do), the answer is sent, then our side is closed (FIN) while what the
 * client still sends is read and dropped, and the connection is destroyed once the client closes too,
 * or after LINGER_MS at the latest, so no client can keep it open by sending forever.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export const LINGER_MS = 2_000;

/** Call before answering a request whose body will not be read to its end. */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  // Whatever still comes is dropped, so the answer is never stuck behind a full receive window.
  req.resume();
  res.once("finish", () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  });
}
