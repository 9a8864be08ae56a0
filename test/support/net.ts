/** Loopback helpers for tests that start servers. */
import { createServer } from "node:net";

/**
 * A loopback port that was free a moment ago, for servers whose URL must be known before they start
 * (an issuer, a CLI's --port).
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}
