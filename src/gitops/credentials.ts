/**
 * Credentials in a repository URL (`https://user:TOKEN@host/repo.git`). The token must reach git and
 * nothing else: the URL the sync loop keeps, clones, logs, stores and serves is the URL without its
 * userinfo, and the credentials go to git through a credential helper that reads them from the git
 * process's environment (mirror.ts), so they are neither in git's argv nor in the clone's .git/config.
 *
 * `redactUrls` is the safety net for every text that leaves the loop (errors, logs, the saved status):
 * the userinfo of any URL in it becomes `***`.
 */

export interface GitCredentials {
  username: string;
  password: string;
}

/** RFC 3986 userinfo characters, plus `@` (a password with a raw `@` still ends at the last one). */
const USERINFO = "[A-Za-z0-9\\-._~%!$&'()*+,;=:@]*";
const URL_USERINFO = new RegExp(`\\b([a-z][a-z0-9+.-]*://)(${USERINFO})@`, "gi");
const SSH_SCHEME = /^(ssh|git\+ssh|ssh\+git):\/\/$/i;

/**
 * Replaces the userinfo of every `scheme://userinfo@` URL in `text` with `***`. A bare login name on an
 * ssh URL (`ssh://git@host/...`) stays: it names the account, it is not a secret.
 */
export function redactUrls(text: string): string {
  return text.replace(URL_USERINFO, (match, scheme: string, userinfo: string) =>
    SSH_SCHEME.test(scheme) && !userinfo.includes(":") ? match : `${scheme}***@`,
  );
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
    throw new Error(`the ${what} in the repository URL is not valid percent-encoding`);
  }
  // git's credential protocol is one `key=value` per line: a newline would smuggle in another key.
  if (/[\r\n\0]/.test(decoded)) throw new Error(`the ${what} in the repository URL contains a line break`);
  return decoded;
}

/**
 * Splits `https://user:password@host/path` into the URL without userinfo and the (percent-decoded)
 * credentials. Other URLs and paths come back as they are, except that a password in a non-http URL
 * is refused: git would not use it (SSH authenticates with keys), so it could only leak.
 */
export function splitCredentials(repo: string): { url: string; credentials?: GitCredentials } {
  const match = new RegExp(`^([a-z][a-z0-9+.-]*://)(${USERINFO})@`, "i").exec(repo);
  if (!match) return { url: repo };
  const [whole, scheme = "", userinfo = ""] = match;
  if (!/^https?:\/\/$/i.test(scheme)) {
    if (userinfo.includes(":")) {
      throw new Error(
        `a password in a ${scheme.slice(0, -3)} URL is not used by git; use an SSH key (ssh-agent or ~/.ssh/config) instead`,
      );
    }
    return { url: repo };
  }
  const colon = userinfo.indexOf(":");
  const username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), "user name");
  const password = colon < 0 ? "" : decode(userinfo.slice(colon + 1), "password");
  return { url: scheme + repo.slice(whole.length), credentials: { username, password } };
}
