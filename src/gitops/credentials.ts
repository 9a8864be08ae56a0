/**
 * Credentials in a repository URL (`https://user:TOKEN@host/repo.git`). The token must reach git and
 * nothing else: the URL the sync loop keeps, clones, logs, stores and serves is the URL without its
 * userinfo, and the credentials go to git through a credential helper that reads them from the git
 * process's environment (mirror.ts), so they are neither in git's argv nor in the clone's .git/config.
 *
 * One rule finds the userinfo, for splitting and for redacting: everything between the scheme's `//` and
 * the LAST `@` before the first `/`, `?` or `#` (where the authority ends). It does not ask which
 * characters a password may hold: people paste tokens with `^`, `|`, `"`, spaces or `\` that RFC 3986
 * does not allow raw, and git takes them. Both uses fail closed: redactUrls hides too much rather than
 * too little, and splitCredentials refuses a URL it cannot split for sure (an `@` after the host, which
 * may be a password with a raw `/`, `?` or `#`) rather than hand it to git whole.
 */

export interface GitCredentials {
  username: string;
  password: string;
}

const SSH_SCHEME = /^(ssh|git\+ssh|ssh\+git)$/i;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

/**
 * The authority that starts at `start` (just after `//`): where it ends (the first `/`, `?` or `#`, or
 * the end of the text) and the index of its last `@` (-1 without one). One forward pass, so that
 * redacting a long text stays linear.
 */
function scanAuthority(text: string, start: number): { at: number; end: number } {
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

function decode(part: string, what: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(part);
  } catch {
    throw new Error(
      `the ${what} in the repository URL is not valid percent-encoding (write a raw '%' as %25)`,
    );
  }
  // git's credential protocol is one `key=value` per line: a newline would smuggle in another key.
  if (/[\r\n\0]/.test(decoded)) throw new Error(`the ${what} in the repository URL contains a line break`);
  return decoded;
}

/** The advice for a userinfo that cannot be found for sure. Never echoes the URL: it may hold a token. */
const ENCODE_ADVICE =
  "in a user name or password, percent-encode '/', '?', '#' and '%' (%2F, %3F, %23, %25); an '@' in the path is written %40";

/**
 * Splits `https://user:password@host/path` into the URL without userinfo and the (percent-decoded)
 * credentials. Paths and scp-style addresses (`git@host:org/r.git`) come back as they are, and so does
 * an ssh URL with a login name. Refused, without echoing the URL: a password in a non-http URL or an
 * scp-style address (git
 * would not use it: SSH authenticates with keys, so it could only leak), a user name in a scheme git
 * takes none from, an http(s) URL with an `@` after its host, and one whose host does not parse once its
 * userinfo is off (a password with a raw `/`: `https://u:pa/ss@host` has the host `u` and the port `pa`).
 */
export function splitCredentials(repo: string): { url: string; credentials?: GitCredentials } {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(repo);
  if (!scheme) {
    // git reads `user:pw@host:path` as scp-style ssh to the host "user": the password would be logged.
    if (/^[^/@]*:[^/]*@/.test(repo)) {
      throw new Error(
        "the repository address has a ':' before its '@', a password, which an scp-style (ssh) address cannot carry; use an SSH key, or an https URL",
      );
    }
    return { url: repo };
  }
  const name = (scheme[1] as string).toLowerCase();
  const start = scheme[0].length;
  const { at, end } = scanAuthority(repo, start);
  const web = name === "http" || name === "https";
  if (web && repo.includes("@", end)) {
    throw new Error(
      `the repository URL has an '@' after its host, so its credentials cannot be told apart: ${ENCODE_ADVICE}`,
    );
  }
  if (at === -1) return { url: repo };
  const userinfo = repo.slice(start, at);
  if (!web) {
    if (SSH_SCHEME.test(name)) {
      if (!userinfo.includes(":")) return { url: repo };
      throw new Error(
        `a password in a ${name} URL is not used by git; use an SSH key (ssh-agent or ~/.ssh/config) instead`,
      );
    }
    throw new Error(
      `git takes no user name or password from a ${name} URL; use an https URL, or git's credential helpers`,
    );
  }
  const colon = userinfo.indexOf(":");
  const username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), "user name");
  const password = colon < 0 ? "" : decode(userinfo.slice(colon + 1), "password");
  const url = repo.slice(0, start) + repo.slice(at + 1);
  // The credentials are given to git for this URL's origin (mirror.ts), so it must parse; a port of
  // letters is a password cut short by a raw '/'.
  if (!URL.canParse(url) || !/^(?::\d+)?$/.test(/:[^:\]]*$/.exec(repo.slice(at + 1, end))?.[0] ?? "")) {
    throw new Error(
      `the repository URL's host does not parse once its user name and password are taken off: ${ENCODE_ADVICE}`,
    );
  }
  return { url, credentials: { username, password } };
}
