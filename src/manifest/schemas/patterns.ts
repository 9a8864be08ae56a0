/**
 * The string patterns the schemas use, and what each means in words for error messages. Plain strings,
 * apart from the TypeBox schemas (common.ts), so that the error mapper loads no schema library.
 */
import { RESOURCE_NAME_PATTERN, SCOPE_NAME_PATTERN } from "../../model/names.ts";

/** An environment variable name as POSIX shells accept it. */
export const ENV_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";

/**
 * An Api audience: an absolute URI (`https://api.example.com/orders`) or an identifier. Token requests
 * carry audiences space-separated, so no whitespace; printable ASCII keeps it safe in every header; no
 * '#' (RFC 8707 §2: no fragment). The rest of the rule (a URI must be absolute) is src/model/uris.ts.
 */
export const AUDIENCE_PATTERN = "^[\\x21\\x22\\x24-\\x7E]{1,255}$";

/** A client id travels in URLs and Basic auth: URL-safe unreserved characters only. */
export const CLIENT_ID_PATTERN = "^[A-Za-z0-9._~-]{1,128}$";

/** OAuth 2.0 (RFC 6749 §3.1.2): a redirection endpoint URI must not include a fragment. */
export const NO_FRAGMENT_PATTERN = "^[^#]*$";

/** An issuer (RFC 8414 §2): an http(s) URL without query or fragment. */
export const ISSUER_PATTERN = "^https?://[^?#\\s]+$";

/** Short explanations of the patterns above, for error messages ("must match ^[a-z0-9]..." helps no one). */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [RESOURCE_NAME_PATTERN]:
    "a name is 1 to 63 lowercase letters, digits and '-', starting with a letter or digit (e.g. orders-api)",
  [SCOPE_NAME_PATTERN]:
    "a scope name is 1 to 64 printable ASCII characters without spaces, quotes or backslashes (e.g. read:orders)",
  [ENV_NAME_PATTERN]: "an environment variable name is letters, digits and '_', not starting with a digit",
  [AUDIENCE_PATTERN]:
    "an audience is an absolute URI without fragment or an identifier: 1 to 255 printable ASCII characters, no spaces and no '#'",
  [CLIENT_ID_PATTERN]: "a client id is 1 to 128 letters, digits and '.', '_', '~', '-'",
  [NO_FRAGMENT_PATTERN]: "a redirect URI must not contain a fragment (#...)",
  [ISSUER_PATTERN]: "an issuer is an http:// or https:// URL without query or fragment",
};
