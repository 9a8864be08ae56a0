/**
 * Body reading for the OAuth endpoints: `application/x-www-form-urlencoded` only, at most `limit` bytes
 * and `maxParameters` parameters, UTF-8. raw-body enforces the size (and errors with the same types as
 * body-parser, which app.ts maps to OAuth errors); WHATWG URLSearchParams decodes. Repeated parameters
 * become arrays, which readForm() refuses except where an RFC allows them. The object has no prototype,
 * so a parameter named `__proto__` is only a name.
 */
import getRawBody from "raw-body";
import { header, type OAuthRequest } from "../http/types.ts";
import { isFormEncoded } from "./form.ts";

export interface FormBodyOptions {
  limit: string;
  maxParameters: number;
}

export function formBody(options: FormBodyOptions) {
  return (req: OAuthRequest, _res: unknown, next: (error?: unknown) => void): void => {
    if (!isFormEncoded(req)) {
      next();
      return;
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(header(req, "content-type") ?? "")?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      next(Object.assign(new Error("charset"), { type: "charset.unsupported" }));
      return;
    }
    const encoding = header(req, "content-encoding");
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
      next(Object.assign(new Error("content encoding"), { type: "encoding.unsupported" }));
      return;
    }
    getRawBody(req, { limit: options.limit, length: header(req, "content-length"), encoding: "utf8" })
      .then((text) => {
        const body: Record<string, string | string[]> = Object.create(null);
        let count = 0;
        for (const [name, value] of new URLSearchParams(text)) {
          if (++count > options.maxParameters) {
            throw Object.assign(new Error("too many parameters"), { type: "parameters.too.many" });
          }
          const seen = body[name];
          body[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
        }
        req.body = body;
        next();
      })
      .catch(next);
  };
}
