/**
 * Form posts from a chosen loopback address. The server keys its sign-in limits on the socket's remote
 * address, so a test that plays several clients binds each one's socket to its own address in
 * 127.0.0.0/8 (all of it is loopback on Linux): 127.0.0.2, 127.0.0.3, ...
 */
import { request } from "node:http";

export interface FormAnswer {
  status: number;
  location?: string;
  html: string;
  headers: Headers;
}

/** The n-th test address, from 127.0.0.2 on (127.0.0.1 stays the default client's). */
export function loopbackAddress(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 250 * 256) throw new RangeError(`no loopback address #${n}`);
  const host = n + 2;
  return `127.0.${Math.floor(host / 256)}.${host % 256}`;
}

/** POST `fields` as a form to `url`, from a socket bound to `localAddress`, without following redirects. */
export function postFormFrom(
  localAddress: string,
  url: string,
  fields: Record<string, string>,
  cookie?: string,
): Promise<FormAnswer> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        localAddress,
        agent: false,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          ...(cookie ? { cookie } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
              headers.append(name, v);
            }
          }
          const location = res.headers.location;
          resolve({
            status: res.statusCode ?? 0,
            html: Buffer.concat(chunks).toString("utf8"),
            headers,
            ...(location !== undefined ? { location } : {}),
          });
        });
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer from ${url} within 20 s`)));
    req.on("error", reject);
    req.end(body);
  });
}
