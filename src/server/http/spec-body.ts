/**
 * Reading a PUT body that holds an OpenAPI spec (docs/management-api.md#uploading-a-spec): the raw spec
 * as `application/json` or `application/yaml` (also `application/x-yaml`, `text/yaml`), or
 * `multipart/form-data` with exactly one file part (spec-multipart.ts), UTF-8, not compressed, at most
 * MAX_SPEC_BYTES. What it returns is the bytes, their format and the name the import's errors use; the
 * spec itself is judged by the OpenAPI import (importSpecBytes), as a spec file from git is.
 *
 * Nothing is read that will be refused: the type, charset, encoding and a declared Content-Length are
 * checked from the headers first (a Content-Length over the limit is answered 413 while the client may
 * still be waiting to send the body), and a body without a length that grows past the limit is refused
 * as soon as it does, with at most one more chunk held. A refused request's connection is closed after
 * the answer, since the rest of its body is never read (lingering-close.ts).
 *
 * No body parser may run before this on the route: it reads the request stream itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import getRawBody from "raw-body";
import { MAX_SPEC_BYTES, type SpecFormat } from "../../openapi/index.ts";
import { closeAfterAnswer } from "./lingering-close.ts";
import { EMPTY_BODY, SpecBodyError, tooLarge } from "./spec-body-error.ts";
import { formatOfMediaType, uploadName } from "./spec-formats.ts";
import { readMultipartSpec } from "./spec-multipart.ts";
import { header } from "./types.ts";

export { SpecBodyError, type SpecBodyStatus } from "./spec-body-error.ts";

export interface SpecBody {
  bytes: Buffer;
  format: SpecFormat;
  /** What the import calls the spec: `upload.json`/`upload.yaml`, or the uploaded file's base name. */
  name: string;
}

const ACCEPTED =
  "application/json, application/yaml (or application/x-yaml, text/yaml), or multipart/form-data with one file";

interface ContentType {
  mediaType: string;
  charset: string | undefined;
}

function contentTypeOf(req: IncomingMessage): ContentType | undefined {
  const value = header(req, "content-type");
  if (value === undefined) return undefined;
  const mediaType = value.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(value)?.[1];
  return { mediaType, charset };
}

/** A declared Content-Length, or undefined when the body has none (chunked) or it is not a number. */
function declaredLength(req: IncomingMessage): number | undefined {
  const value = header(req, "content-length");
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** HTTP/1.1 (RFC 9112 §6.3): a request with neither Content-Length nor Transfer-Encoding has no body. */
function hasNoBody(req: IncomingMessage): boolean {
  return (
    declaredLength(req) === 0 ||
    (req.headers["content-length"] === undefined && !req.headers["transfer-encoding"])
  );
}

/**
 * Reads the spec from `req`. Throws SpecBodyError (400, 413, 415) for a body it refuses; when the rest
 * of that body goes unread, the connection is closed once `res` is answered (closeAfterAnswer).
 */
export async function readSpecBody(req: IncomingMessage, res: ServerResponse): Promise<SpecBody> {
  try {
    return await readChecked(req);
  } catch (error) {
    if (!req.complete) closeAfterAnswer(req, res);
    throw error;
  }
}

async function readChecked(req: IncomingMessage): Promise<SpecBody> {
  if (hasNoBody(req)) throw new SpecBodyError(400, EMPTY_BODY);
  const type = contentTypeOf(req);
  const multipart = type?.mediaType === "multipart/form-data";
  const format = type && formatOfMediaType(type.mediaType);
  if (!type || (!multipart && !format)) {
    const sent = type ? `not ${type.mediaType || "an empty Content-Type"}` : "and the request has none";
    throw new SpecBodyError(415, `the body must be ${ACCEPTED}, ${sent}`);
  }
  if (type.charset !== undefined && !/^utf-?8$/i.test(type.charset)) {
    throw new SpecBodyError(415, `the body must be UTF-8, not charset=${type.charset}`);
  }
  const encoding = header(req, "content-encoding");
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
    throw new SpecBodyError(415, `the body must not be compressed (Content-Encoding: ${encoding})`);
  }
  const length = declaredLength(req);
  return format ? readPlainSpec(req, format, length) : readMultipartSpec(req, length);
}

/** The spec as the whole body; raw-body refuses a declared or streamed length over the limit. */
async function readPlainSpec(
  req: IncomingMessage,
  format: SpecFormat,
  length: number | undefined,
): Promise<SpecBody> {
  if (length !== undefined && length > MAX_SPEC_BYTES) throw tooLarge(length);
  let bytes: Buffer;
  try {
    bytes = await getRawBody(req, { limit: MAX_SPEC_BYTES, length: header(req, "content-length") });
  } catch (error) {
    throw bodyReadError(error);
  }
  if (bytes.length === 0) throw new SpecBodyError(400, EMPTY_BODY);
  return { bytes, format, name: uploadName(format) };
}

/** raw-body's errors (body-parser's types) as what they mean to the client. */
function bodyReadError(error: unknown): SpecBodyError {
  switch ((error as { type?: string }).type) {
    case "entity.too.large":
      return tooLarge();
    case "request.aborted":
      return new SpecBodyError(400, "the request was aborted before its body was complete");
    case "request.size.invalid":
      return new SpecBodyError(400, "the request body is not as long as its Content-Length says");
    default:
      return new SpecBodyError(400, "the request body could not be read");
  }
}
