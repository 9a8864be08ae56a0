/**
 * A spec sent as `multipart/form-data` (what a browser form or `curl -F spec=@openapi.yaml` sends):
 * exactly one file part, parsed with busboy as the body streams in. The file's format comes from its name
 * (.json, .yaml, .yml) or else its part's Content-Type; other parts may be a few small fields, which are
 * ignored. Everything is bounded: the file (MAX_SPEC_BYTES), the number of parts and header lines, and
 * the whole body (the file plus MULTIPART_ENVELOPE_BYTES), so that no part, field or preamble can make
 * the server read or hold more than a spec's worth.
 */
import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { MAX_SPEC_BYTES } from "../../openapi/index.ts";
import type { SpecBody } from "./spec-body.ts";
import { fileTooLarge, SpecBodyError, tooLarge } from "./spec-body-error.ts";
import { formatOfFileName, formatOfMediaType, uploadName } from "./spec-formats.ts";

/**
 * What may surround the file in the body: boundaries, part headers (busboy stops a part's header at
 * 16 KiB), a few small fields. A body over MAX_SPEC_BYTES plus this is refused (413) from its
 * Content-Length, or as soon as it grows past it.
 */
export const MULTIPART_ENVELOPE_BYTES = 256 * 1024;

export const MULTIPART_MAX_PARTS = 8;

const LIMITS: busboy.Limits = {
  files: 1,
  fields: MULTIPART_MAX_PARTS - 1,
  fieldNameSize: 100,
  fieldSize: 1024,
  // busboy reports partsLimit when the count reaches it, so one more: the event then means "more than".
  parts: MULTIPART_MAX_PARTS + 1,
  headerPairs: 16,
  // busboy calls a file that reaches fileSize truncated: one byte more lets a file of exactly the limit in.
  fileSize: MAX_SPEC_BYTES + 1,
};

interface ReceivedFile {
  name: string;
  format: SpecBody["format"];
  chunks: Buffer[];
  size: number;
}

/** busboy for this request; 400 when its Content-Type cannot be parsed (no boundary, say). */
function formParser(req: IncomingMessage): busboy.Busboy {
  try {
    return busboy({ headers: req.headers, limits: LIMITS, defParamCharset: "utf8" });
  } catch (error) {
    throw new SpecBodyError(
      400,
      `the multipart/form-data Content-Type cannot be used: ${(error as Error).message}`,
    );
  }
}

/**
 * Reads the one file of a multipart body. Rejects with SpecBodyError: 413 (body or file too large), 415
 * (a file that is neither JSON nor YAML by name or type), 400 (no file, two files, too many parts, an
 * empty file, a malformed body, an aborted request).
 */
export async function readMultipartSpec(
  req: IncomingMessage,
  declaredLength: number | undefined,
): Promise<SpecBody> {
  const limit = MAX_SPEC_BYTES + MULTIPART_ENVELOPE_BYTES;
  if (declaredLength !== undefined && declaredLength > limit) throw tooLarge(declaredLength);
  const form = formParser(req);

  return new Promise<SpecBody>((resolve, reject) => {
    let received = 0;
    let file: ReceivedFile | undefined;
    let settled = false;

    const countBytes = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) settle(tooLarge());
    };
    const onRequestClosed = () => {
      if (!req.complete)
        settle(new SpecBodyError(400, "the request was aborted before its body was complete"));
    };
    const settle = (error: SpecBodyError | undefined, body?: SpecBody) => {
      if (settled) return;
      settled = true;
      req.off("data", countBytes);
      req.off("close", onRequestClosed);
      req.off("error", onRequestClosed);
      req.unpipe(form);
      if (error) {
        // Stop parsing: the rest of the body is read into nothing (spec-body.ts closes the connection).
        // Destroyed on the next tick: busboy calls us from inside its write and still uses its state after.
        form.removeAllListeners();
        form.on("error", () => undefined);
        process.nextTick(() => form.destroy());
        reject(error);
      } else if (body) {
        resolve(body);
      }
    };

    form.on("file", (_field, stream, info) => {
      const format = formatOfFileName(info.filename) ?? formatOfMediaType(info.mimeType.toLowerCase());
      stream.on("error", () => undefined); // destroyed with the parser when the body is refused
      if (!format) {
        // Refused at its first byte. An empty one is no file at all: what a browser's file input sends
        // when no file was chosen (a nameless application/octet-stream part).
        stream.once("data", () =>
          settle(
            new SpecBodyError(
              415,
              `the file must be named .json, .yaml or .yml, or sent as application/json or application/yaml, not as ${info.mimeType}`,
            ),
          ),
        );
        stream.resume();
        return;
      }
      const part: ReceivedFile = { name: uploadName(format, info.filename), format, chunks: [], size: 0 };
      stream.on("data", (chunk: Buffer) => {
        part.chunks.push(chunk);
        part.size += chunk.length;
      });
      stream.on("limit", () => settle(fileTooLarge()));
      stream.on("end", () => {
        file = part;
      });
    });
    form.on("filesLimit", () =>
      settle(
        new SpecBodyError(400, "the multipart body has more than one file; send the spec as its only file"),
      ),
    );
    form.on("partsLimit", () =>
      settle(
        new SpecBodyError(
          400,
          `the multipart body has more than ${MULTIPART_MAX_PARTS} parts; send the spec as its one file`,
        ),
      ),
    );
    form.on("error", (error: Error) =>
      settle(new SpecBodyError(400, `the multipart/form-data body is malformed: ${error.message}`)),
    );
    // After the last part, and after the file's stream ended (busboy waits for it).
    form.on("close", () => {
      if (!file) {
        settle(
          new SpecBodyError(400, "the multipart body has no file; send the OpenAPI spec as one file part"),
        );
      } else if (file.size === 0) {
        settle(new SpecBodyError(400, `the file "${file.name}" is empty; send the OpenAPI spec as the file`));
      } else {
        settle(undefined, {
          bytes: Buffer.concat(file.chunks, file.size),
          format: file.format,
          name: file.name,
        });
      }
    });

    req.on("data", countBytes);
    req.on("close", onRequestClosed);
    req.on("error", onRequestClosed);
    req.pipe(form);
  });
}
