/**
 * Reading an OAuth request body (RFC 6749 §3.2, §4.4): `application/x-www-form-urlencoded` only, every
 * parameter at most once (§3.1) except those a later RFC lets repeat (RFC 8707's `resource`).
 */
import { header, type OAuthRequest } from "../http/types.ts";
import { invalidRequest } from "./errors.ts";

export interface Form {
  /** The value of a single-valued parameter; an empty value counts as absent (RFC 6749 §3.1). */
  one(name: string): string | undefined;
  /** Every value of a repeatable parameter. */
  all(name: string): string[];
  has(name: string): boolean;
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

export function isFormEncoded(req: OAuthRequest): boolean {
  return FORM_TYPE.test(header(req, "content-type") ?? "");
}

/** The parsed form, or an invalid_request that names the repeated parameter or the wrong content type. */
export function readForm(req: OAuthRequest, repeatable: readonly string[] = []): Form {
  if (!isFormEncoded(req)) {
    throw invalidRequest("the request body must be application/x-www-form-urlencoded");
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const values = new Map<string, string[]>();
  for (const name of Object.keys(body)) {
    const raw = body[name];
    const list = (Array.isArray(raw) ? raw : [raw]).filter(
      (v): v is string => typeof v === "string" && v !== "",
    );
    if (list.length > 1 && !repeatable.includes(name)) {
      throw invalidRequest(`the parameter ${name} is given more than once`);
    }
    if (list.length > 0) values.set(name, list);
  }
  return {
    one: (name) => values.get(name)?.[0],
    all: (name) => values.get(name) ?? [],
    has: (name) => values.has(name),
  };
}

/** Space-separated list (RFC 6749 §3.3), empty entries dropped, order kept, repeats removed. */
export function spaceList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return [...new Set(value.split(" ").filter((v) => v !== ""))];
}
