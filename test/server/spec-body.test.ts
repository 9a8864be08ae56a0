/**
 * docs/management-api.md#uploading-a-spec: reading a spec upload's body (src/server/http/spec-body.ts)
 * on a real Express app over real loopback HTTP. fetch for what a client normally sends; a raw socket
 * where the point is what the server answers before (or without) the body: a Content-Length over the
 * limit, a chunked body that never ends.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import http, { type Server } from "node:http";
import net, { type AddressInfo } from "node:net";
import { describe, type TestContext, test } from "node:test";
import express from "express";
import { MAX_SPEC_BYTES } from "../../src/openapi/index.ts";
import { requestError } from "../../src/server/http/request-errors.ts";
import { readSpecBody, SpecBodyError } from "../../src/server/http/spec-body.ts";
import { MULTIPART_ENVELOPE_BYTES, MULTIPART_MAX_PARTS } from "../../src/server/http/spec-multipart.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const SPEC_YAML = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n';
const SPEC_JSON = JSON.stringify({ openapi: "3.0.3", info: { title: "t", version: "1" }, paths: {} });
const EMPTY = "the request body is empty; send the OpenAPI spec as the body";

/** An app whose PUT /spec answers what readSpecBody read (200) or the SpecBodyError it threw. */
async function serve(t: TestContext): Promise<{ url: string; port: number }> {
  const app = express();
  app.put("/spec", async (req, res) => {
    try {
      const body = await readSpecBody(req, res);
      res.json({
        format: body.format,
        name: body.name,
        size: body.bytes.length,
        sha256: createHash("sha256").update(body.bytes).digest("hex"),
      });
    } catch (error) {
      if (!(error instanceof SpecBodyError)) throw error;
      res.status(error.status).json(error);
    }
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/spec`, port };
}

interface Answer {
  status: number;
  headers: Headers;
  body: {
    format?: string;
    name?: string;
    size?: number;
    sha256?: string;
    error?: string;
    error_description?: string;
  };
}

async function put(
  url: string,
  body: RequestInit["body"],
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(url, { method: "PUT", body, headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer["body"] };
}

const sha256 = (bytes: string | Buffer) => createHash("sha256").update(bytes).digest("hex");

function assertRefused(answer: Answer, status: number, error: string, description: RegExp | string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error, error);
  if (typeof description === "string") assert.equal(answer.body.error_description, description);
  else assert.match(answer.body.error_description ?? "", description);
}

/** A multipart/form-data body written by hand, for file names and part types fetch's FormData would not send. */
function multipart(parts: { headers: string[]; content: string | Buffer }[]): { body: Buffer; type: string } {
  const boundary = "----scopectl-test-boundary";
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers.join("\r\n")}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content));
    chunks.push(Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

const filePart = (filename: string, type: string, content: string | Buffer) => ({
  headers: [`Content-Disposition: form-data; name="spec"; filename="${filename}"`, `Content-Type: ${type}`],
  content,
});
const fieldPart = (name: string, value: string) => ({
  headers: [`Content-Disposition: form-data; name="${name}"`],
  content: value,
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error?: string; error_description?: string };
  /** Body bytes written before the answer arrived (or the write failed). */
  bodySent: number;
  /** The server closed its side of the connection after answering (within 10 s). */
  closed: boolean;
}

/**
 * A request over a raw socket: `head` (request line and headers), then, when given, `chunks` body pieces
 * written one at a time, stopping as soon as an answer arrives (a write into a connection the server has
 * closed is expected then, not a failure). Never sends anything else: a body that was not finished stays
 * unfinished, so an answer proves the server did not wait for it. Then waits (10 s at most) for the server
 * to close its side, unless `awaitClose` is false.
 */
async function rawRequest(
  port: number,
  head: string,
  chunks: Iterable<Buffer> = [],
  { awaitClose = true } = {},
): Promise<RawAnswer> {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  let received = Buffer.alloc(0);
  let closed = false;
  let ended = false;
  let answered: Omit<RawAnswer, "bodySent" | "closed"> | undefined;
  const answer = new Promise<NonNullable<typeof answered>>((resolve, reject) => {
    const parse = () => {
      const text = received.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end === -1 || answered) return;
      const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      if (received.length < end + 4 + length) return;
      const body = JSON.parse(received.subarray(end + 4, end + 4 + length).toString("utf8"));
      answered = { status: Number(statusLine.split(" ")[1]), headers, body };
      resolve(answered);
    };
    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data]);
      parse();
    });
    // A reset after the answer (the server closed with body bytes unread) ends the exchange too.
    socket.on("error", () => undefined);
    socket.on("end", () => {
      ended = true;
    });
    socket.on("close", () => {
      closed = true;
      if (!answered)
        reject(
          new Error(
            `the connection closed without a full answer: ${JSON.stringify(received.toString("latin1"))}`,
          ),
        );
    });
  });
  answer.catch(() => undefined);
  try {
    socket.write(head);
    let bodySent = 0;
    for (const chunk of chunks) {
      if (answered || closed) break;
      const written = await new Promise<boolean>((resolve) =>
        socket.write(chunk, (error) => resolve(!error)),
      );
      if (!written) break;
      bodySent += chunk.length;
    }
    const got = await Promise.race([
      answer,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("no answer within 30 s")), 30_000).unref(),
      ),
    ]);
    if (!awaitClose) return { ...got, bodySent, closed };
    const endedSoon = await Promise.race([
      ended || closed
        ? Promise.resolve(true)
        : Promise.race([once(socket, "end"), once(socket, "close")]).then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref()),
    ]);
    return { ...got, bodySent, closed: endedSoon };
  } finally {
    socket.destroy();
  }
}

/** `count` chunks of 1 MiB of spaces, in the chunked transfer coding (RFC 9112 §7.1); never the last chunk. */
function* chunked(count: number): Generator<Buffer> {
  const mib = Buffer.concat([Buffer.from("100000\r\n"), Buffer.alloc(1024 * 1024, " "), Buffer.from("\r\n")]);
  for (let i = 0; i < count; i++) yield mib;
}

/** `body` in pieces of 1 MiB. */
function* pieces(body: Buffer): Generator<Buffer> {
  for (let at = 0; at < body.length; at += 1024 * 1024) yield body.subarray(at, at + 1024 * 1024);
}

describe("a spec as the whole body", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("application/json is JSON, the YAML types are YAML, named upload.<format>", async (t) => {
    const { url } = await serve(t);
    const json = await put(url, SPEC_JSON, { "Content-Type": "application/json" });
    assert.equal(json.status, 200, JSON.stringify(json.body));
    assert.deepEqual(json.body, {
      format: "json",
      name: "upload.json",
      size: Buffer.byteLength(SPEC_JSON),
      sha256: sha256(SPEC_JSON),
    });
    for (const type of [
      "application/yaml",
      "application/x-yaml",
      "text/yaml",
      "Application/YAML; charset=UTF-8",
    ]) {
      const yaml = await put(url, SPEC_YAML, { "Content-Type": type });
      assert.equal(yaml.status, 200, `${type}: ${JSON.stringify(yaml.body)}`);
      assert.deepEqual(yaml.body, {
        format: "yaml",
        name: "upload.yaml",
        size: SPEC_YAML.length,
        sha256: sha256(SPEC_YAML),
      });
    }
    const utf8 = await put(url, SPEC_JSON, { "Content-Type": "application/json; charset=utf-8" });
    assert.equal(utf8.body.format, "json");
  });

  test("exactly the limit is read, bytes intact", async (t) => {
    const { url } = await serve(t);
    const body = Buffer.alloc(MAX_SPEC_BYTES, " ");
    body.write(SPEC_JSON);
    const answer = await put(url, body, { "Content-Type": "application/json" });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.size, MAX_SPEC_BYTES);
    assert.equal(answer.body.sha256, sha256(body));
  });

  test("another content type, none, another charset or a compressed body: 415 naming what is accepted", async (t) => {
    const { url } = await serve(t);
    for (const type of [
      "text/plain",
      "application/xml",
      "application/octet-stream",
      "application/json-seq",
    ]) {
      assertRefused(
        await put(url, SPEC_JSON, { "Content-Type": type }),
        415,
        "unsupported_media_type",
        `the body must be application/json, application/yaml (or application/x-yaml, text/yaml), or multipart/form-data with one file, not ${type}`,
      );
    }
    // A Blob without a type: fetch sends no Content-Type.
    assertRefused(
      await put(url, new Blob([SPEC_JSON])),
      415,
      "unsupported_media_type",
      /with one file, and the request has none$/,
    );
    for (const charset of ["iso-8859-1", "utf-16"]) {
      assertRefused(
        await put(url, SPEC_JSON, { "Content-Type": `application/json; charset=${charset}` }),
        415,
        "unsupported_media_type",
        `the body must be UTF-8, not charset=${charset}`,
      );
    }
    assertRefused(
      await put(url, SPEC_JSON, { "Content-Type": "application/json", "Content-Encoding": "gzip" }),
      415,
      "unsupported_media_type",
      "the body must not be compressed (Content-Encoding: gzip)",
    );
  });

  test("an empty body: 400, with a length of 0 or chunked without data", async (t) => {
    const { url, port } = await serve(t);
    assertRefused(await put(url, "", { "Content-Type": "application/yaml" }), 400, "invalid_request", EMPTY);
    // No Content-Type either: the empty body is the problem to name.
    assertRefused(await put(url, undefined), 400, "invalid_request", EMPTY);
    const head =
      "PUT /spec HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    // The body was read to its end, so the connection may stay open: no wait for it to close.
    const raw = await rawRequest(port, head, [Buffer.from("0\r\n\r\n")], { awaitClose: false });
    assert.equal(raw.status, 400);
    assert.equal(raw.body.error_description, EMPTY);
  });
});

describe("over the limit: 413 without reading the rest", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a Content-Length over the limit is answered before any of the body is sent, then the connection is closed", async (t) => {
    const { port } = await serve(t);
    for (const [type, length] of [
      ["application/json", MAX_SPEC_BYTES + 1],
      ["application/yaml", 50 * MAX_SPEC_BYTES],
      ["multipart/form-data; boundary=x", MAX_SPEC_BYTES + MULTIPART_ENVELOPE_BYTES + 1],
    ] as const) {
      const head = `PUT /spec HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;
      const raw = await rawRequest(port, head);
      assert.equal(raw.status, 413, type);
      assert.equal(raw.body.error, "payload_too_large");
      assert.equal(
        raw.body.error_description,
        `the request body is larger than the 20 MB limit for a spec (Content-Length: ${length})`,
      );
      assert.equal(raw.bodySent, 0);
      assert.ok(raw.closed, "the server closed the connection");
    }
  });

  test("a chunked body is refused as soon as it passes the limit, without waiting for its end", async (t) => {
    const { port } = await serve(t);
    const head =
      "PUT /spec HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nTransfer-Encoding: chunked\r\n\r\n";
    // 40 MiB on offer, the last chunk never sent: only a refusal at the limit can answer this.
    const raw = await rawRequest(port, head, chunked(40));
    assert.equal(raw.status, 413);
    assert.equal(raw.body.error_description, "the request body is larger than the 20 MB limit for a spec");
    assert.ok(
      raw.bodySent > MAX_SPEC_BYTES,
      `refused after the limit was passed (${raw.bodySent} bytes sent)`,
    );
    assert.ok(raw.closed, "the server closed the connection");
  });

  test("a client that goes on sending the oversized body reads the 413, not a broken pipe", async (t) => {
    const { url, port } = await serve(t);
    // fetch, with a Content-Length: answered at once, the body sent all the same.
    const answer = await put(url, Buffer.alloc(MAX_SPEC_BYTES + 1024 * 1024, " "), {
      "Content-Type": "application/json",
    });
    assertRefused(
      answer,
      413,
      "payload_too_large",
      /^the request body is larger than the 20 MB limit for a spec/,
    );
    // node:http, chunked, writing on after the answer. Closed at once (Node's way after `Connection: close`),
    // such a connection was reset under the client's writes in about one attempt in eight here (EPIPE, the
    // answer lost); with the lingering close, never.
    for (let i = 0; i < 12; i++) {
      const outcome = await new Promise<string>((resolve) => {
        const req = http.request({
          host: "127.0.0.1",
          port,
          method: "PUT",
          path: "/spec",
          headers: { "Content-Type": "application/yaml", "Transfer-Encoding": "chunked" },
        });
        req.on("response", (res) => {
          res.resume();
          res.on("end", () => resolve(String(res.statusCode)));
        });
        req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
        const mib = Buffer.alloc(1024 * 1024, " ");
        let written = 0;
        const write = () => {
          while (written < 40) {
            written++;
            if (!req.write(mib)) {
              req.once("drain", write);
              return;
            }
          }
          req.end();
        };
        write();
      });
      assert.equal(outcome, "413", `attempt ${i + 1}`);
    }
  });

  test("a multipart file over the limit is refused when it passes it (busboy's fileSize)", async (t) => {
    const { port } = await serve(t);
    const form = multipart([
      filePart("openapi.yaml", "application/yaml", Buffer.alloc(MAX_SPEC_BYTES + 1, " ")),
    ]);
    assert.ok(
      form.body.length <= MAX_SPEC_BYTES + MULTIPART_ENVELOPE_BYTES,
      "within the body limit: the file's is the one hit",
    );
    const head = `PUT /spec HTTP/1.1\r\nHost: x\r\nContent-Type: ${form.type}\r\nContent-Length: ${form.body.length}\r\n\r\n`;
    const raw = await rawRequest(port, head, pieces(form.body));
    assert.equal(raw.status, 413);
    assert.equal(raw.body.error_description, "the file is larger than the 20 MB limit for a spec");
  });

  test("a chunked multipart body whose fields and preamble pass the body limit is refused", async (t) => {
    const { port } = await serve(t);
    const head =
      "PUT /spec HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=never-seen\r\nTransfer-Encoding: chunked\r\n\r\n";
    // A preamble that never reaches a boundary: busboy skips it, the body limit stops it.
    const raw = await rawRequest(port, head, chunked(40));
    assert.equal(raw.status, 413);
    assert.equal(raw.body.error_description, "the request body is larger than the 20 MB limit for a spec");
    assert.ok(raw.bodySent > MAX_SPEC_BYTES + MULTIPART_ENVELOPE_BYTES);
  });
});

describe("multipart/form-data with one file", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the file's name gives the format and the name; fields beside it are ignored", async (t) => {
    const { url } = await serve(t);
    const form = new FormData();
    form.append("note", "release 1.2");
    form.append("spec", new Blob([SPEC_YAML], { type: "application/octet-stream" }), "openapi.yml");
    const answer = await put(url, form);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, {
      format: "yaml",
      name: "openapi.yml",
      size: SPEC_YAML.length,
      sha256: sha256(SPEC_YAML),
    });

    const json = new FormData();
    json.append("spec", new Blob([SPEC_JSON], { type: "application/json" }), "Orders.JSON");
    assert.deepEqual((await put(url, json)).body, {
      format: "json",
      name: "Orders.JSON",
      size: SPEC_JSON.length,
      sha256: sha256(SPEC_JSON),
    });
  });

  test("without a spec extension, the part's type gives the format, and the name is upload.<format>", async (t) => {
    const { url } = await serve(t);
    for (const [filename, type, format] of [
      ["spec.txt", "application/json", "json"],
      ["openapi", "text/yaml", "yaml"],
    ] as const) {
      const form = multipart([filePart(filename, type, format === "json" ? SPEC_JSON : SPEC_YAML)]);
      const answer = await put(url, form.body, { "Content-Type": form.type });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.format, format, filename);
      assert.equal(answer.body.name, `upload.${format}`, filename);
    }
  });

  test("a file name is never a path nor a control character", async (t) => {
    const { url } = await serve(t);
    for (const [filename, name] of [
      ["../../etc/orders.yaml", "orders.yaml"],
      ["C:\\\\specs\\\\orders.yaml", "orders.yaml"],
      ["/abs/dir/", "upload.yaml"],
      ["bad\u009bname.yaml", "upload.yaml"],
      [`${"a".repeat(300)}.yaml`, "upload.yaml"],
      [".yaml", "upload.yaml"],
    ] as const) {
      const form = multipart([filePart(filename, "application/yaml", SPEC_YAML)]);
      const answer = await put(url, form.body, { "Content-Type": form.type });
      assert.equal(answer.status, 200, `${JSON.stringify(filename)}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.name, name, JSON.stringify(filename));
    }
    // RFC 5987 filename* (UTF-8, %-escaped): decoded, and refused as a name when it holds a control character.
    for (const [encoded, name] of [
      ["comm%C3%A4nde.yaml", "commände.yaml"],
      ["bad%01name.yaml", "upload.yaml"],
      ["..%2F..%2Fpasswd.yml", "passwd.yml"],
    ]) {
      const form = multipart([
        {
          headers: [
            `Content-Disposition: form-data; name="spec"; filename*=UTF-8''${encoded}`,
            "Content-Type: application/yaml",
          ],
          content: SPEC_YAML,
        },
      ]);
      assert.equal((await put(url, form.body, { "Content-Type": form.type })).body.name, name, encoded);
    }
    // A browser's file input with no file chosen sends filename="" and nothing in it: no file.
    const none = multipart([filePart("", "application/octet-stream", "")]);
    assertRefused(
      await put(url, none.body, { "Content-Type": none.type }),
      400,
      "invalid_request",
      "the multipart body has no file; send the OpenAPI spec as one file part",
    );
  });

  test("no file, two files, too many parts, an empty file: 400 naming the problem", async (t) => {
    const { url } = await serve(t);
    const cases: [ReturnType<typeof multipart>, string][] = [
      [
        multipart([fieldPart("spec", SPEC_YAML)]),
        "the multipart body has no file; send the OpenAPI spec as one file part",
      ],
      [multipart([]), "the multipart body has no file; send the OpenAPI spec as one file part"],
      [
        multipart([
          filePart("a.yaml", "application/yaml", SPEC_YAML),
          filePart("b.yaml", "application/yaml", SPEC_YAML),
        ]),
        "the multipart body has more than one file; send the spec as its only file",
      ],
      [
        multipart([
          ...Array.from({ length: MULTIPART_MAX_PARTS }, (_, i) => fieldPart(`f${i}`, "x")),
          filePart("a.yaml", "application/yaml", SPEC_YAML),
        ]),
        `the multipart body has more than ${MULTIPART_MAX_PARTS} parts; send the spec as its one file`,
      ],
      [
        multipart([filePart("a.yaml", "application/yaml", "")]),
        'the file "a.yaml" is empty; send the OpenAPI spec as the file',
      ],
    ];
    for (const [form, description] of cases) {
      assertRefused(
        await put(url, form.body, { "Content-Type": form.type }),
        400,
        "invalid_request",
        description,
      );
    }
    // A few fields and the file, within the part limit, are fine.
    const within = multipart([
      ...Array.from({ length: MULTIPART_MAX_PARTS - 1 }, (_, i) => fieldPart(`f${i}`, "x")),
      filePart("a.yaml", "application/yaml", SPEC_YAML),
    ]);
    assert.equal((await put(url, within.body, { "Content-Type": within.type })).status, 200);
  });

  test("a file neither named nor typed as JSON or YAML: 415; a malformed body: 400", async (t) => {
    const { url } = await serve(t);
    const form = multipart([filePart("spec.txt", "text/plain", SPEC_YAML)]);
    assertRefused(
      await put(url, form.body, { "Content-Type": form.type }),
      415,
      "unsupported_media_type",
      "the file must be named .json, .yaml or .yml, or sent as application/json or application/yaml, not as text/plain",
    );
    const cut = multipart([filePart("a.yaml", "application/yaml", SPEC_YAML)]);
    const truncated = cut.body.subarray(0, cut.body.length - 20);
    assertRefused(
      await put(url, truncated, { "Content-Type": cut.type }),
      400,
      "invalid_request",
      /^the multipart\/form-data body is malformed: /,
    );
    assertRefused(
      await put(url, cut.body, { "Content-Type": "multipart/form-data" }),
      400,
      "invalid_request",
      /^the multipart\/form-data Content-Type cannot be used: /,
    );
  });
});

describe("the app's error handler", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("answers a SpecBodyError a route lets through with its status and description", () => {
    assert.deepEqual(requestError(new SpecBodyError(413, "too large")), {
      status: 413,
      description: "too large",
    });
    assert.deepEqual(new SpecBodyError(415, "no").toJSON(), {
      error: "unsupported_media_type",
      error_description: "no",
    });
  });
});
