/**
 * Userinfo in URLs (`https://user:TOKEN@host/...`) is a secret wherever a URL is printed: logs, stored
 * status, `/v1/sync`, error messages that quote a manifest value. One rule finds it, used here for
 * redacting and by gitops/credentials.ts for splitting: everything between the scheme's `//` and the
 * LAST `@` before the first `/`, `?` or `#` (where the authority ends). It does not ask which characters
 * a password may hold: people paste tokens with `^`, `|`, `"`, spaces or `\` that RFC 3986 does not
 * allow raw. Redaction fails closed: it hides too much rather than too little.
 */

export const SSH_SCHEME = /^(ssh|git\+ssh|ssh\+git)$/i;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

/**
 * The authority that starts at `start` (just after `//`): where it ends (the first `/`, `?` or `#`, or
 * the end of the text) and the index of its last `@` (-1 without one). One forward pass, so that
 * redacting a long text stays linear.
 */
export function scanAuthority(text: string, start: number): { at: number; end: number } {
  let at = -1;
  let end = start;
  for (; end < text.length; end++) {
    const c = text.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23) break;
    if (c === 0x40) at = end;
  }
  return { at, end };
}

/**
 * Replaces the userinfo of every `scheme://userinfo@` URL in `text` with `***`. A bare login name on an
 * ssh URL (`ssh://git@host/...`) stays: it names the account, it is not a secret. In free text a URL
 * without a path runs on to the next `/`, `?` or `#`, so an `@` later in the sentence is taken for the
 * end of a userinfo: that hides a few words too many, never a password.
 */
export function redactUrls(text: string): string {
  let out = "";
  let copied = 0;
  for (let sep = text.indexOf("://"); sep !== -1; sep = text.indexOf("://", sep + 3)) {
    const start = sep + 3;
    const { at } = scanAuthority(text, start);
    if (at === -1) continue;
    let schemeStart = sep;
    while (schemeStart > copied && SCHEME_CHAR.test(text[schemeStart - 1] as string)) schemeStart--;
    if (SSH_SCHEME.test(text.slice(schemeStart, sep)) && !text.slice(start, at).includes(":")) continue;
    out += `${text.slice(copied, start)}***`;
    copied = at;
    sep = at - 2; // the next search starts after this `@`
  }
  return out + text.slice(copied);
}

/** A copy of `value` with redactUrls applied to every string in it (for a status or a log object). */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactUrls(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
