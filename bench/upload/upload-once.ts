/**
 * One upload, in its own process (spawned by run.ts), as an API's CI would do it: a client credentials
 * token for the management API, then `PUT /v1/apis/{api}/openapi` with the spec as the body, and the
 * whole answer read. The file is read before the clock starts; the clock runs from the token request's
 * start to the upload answer's last byte. Prints one line of JSON: the times and what the server said.
 *
 *   upload-once.ts URL AUDIENCE API CLIENT_ID FILE   (the client secret in BENCH_CLIENT_SECRET)
 */
import { readFile } from "node:fs/promises";

const [url, audience, api, clientId, file] = process.argv.slice(2);
const secret = process.env.BENCH_CLIENT_SECRET;
if (!url || !audience || !api || !clientId || !file || !secret) {
  console.error("usage: BENCH_CLIENT_SECRET=... upload-once.ts URL AUDIENCE API CLIENT_ID FILE");
  process.exit(2);
}
const body = await readFile(file);
const type = file.endsWith(".json") ? "application/json" : "application/yaml";

const started = performance.now();
const tokenAnswer = await fetch(`${url}/oauth2/token`, {
  method: "POST",
  headers: {
    "content-type": "application/x-www-form-urlencoded",
    authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
  },
  body: new URLSearchParams({ grant_type: "client_credentials", audience }),
});
const token = (await tokenAnswer.json()) as { access_token?: string };
if (tokenAnswer.status !== 200 || !token.access_token) {
  console.error(`token: ${tokenAnswer.status} ${JSON.stringify(token)}`);
  process.exit(1);
}
const tokenDone = performance.now();
const answer = await fetch(`${url}/v1/apis/${encodeURIComponent(api)}/openapi`, {
  method: "PUT",
  headers: { authorization: `Bearer ${token.access_token}`, "content-type": type },
  body,
});
const text = await answer.text();
const ended = performance.now();
if (answer.status !== 200) {
  console.error(`upload: ${answer.status} ${text.slice(0, 2000)}`);
  process.exit(1);
}
const result = JSON.parse(text) as {
  changed: boolean;
  import: { action: string; revision: number | null; log: unknown[] };
};
console.log(
  JSON.stringify({
    ms: ended - started,
    tokenMs: tokenDone - started,
    putMs: ended - tokenDone,
    answerBytes: text.length,
    action: result.import.action,
    changed: result.changed,
    revision: result.import.revision,
    log: result.import.log.length,
  }),
);
