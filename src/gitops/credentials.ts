/**
 * Credentials in a repository URL (`https://user:TOKEN@host/repo.git`). The token must reach git and
 * nothing else: the URL the sync loop keeps, clones, logs, stores and serves is the URL without its
 * userinfo, and the credentials go to git through a credential helper that reads them from the git
 * process's environment (mirror.ts), so they are neither in git's argv nor in the clone's .git/config.
 *
 * The userinfo is found by the one rule of core/redact.ts (up to the authority's last `@`), which git
 * also follows. Splitting fails closed: splitCredentials refuses a URL it cannot split for sure (an `@`
 * after the host, which may be a password with a raw `/`, `?` or `#`) rather than hand it to git whole.
 */

import { ScopectlError } from "../core/errors.ts";
import { SSH_SCHEME, scanAuthority } from "../core/redact.ts";

export interface GitCredentials {
  username: string;
  password: string;
}

function decode(part: string, what: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(part);
  } catch {
    throw new ScopectlError(
      "git.credentials",
      `the ${what} in the repository URL is not valid percent-encoding (write a raw '%' as %25)`,
    );
  }
  // git's credential protocol is one `key=value` per line: a newline would smuggle in another key.
  if (/[\r\n\0]/.test(decoded))
    throw new ScopectlError("git.credentials", `the ${what} in the repository URL contains a line break`);
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
      throw new ScopectlError(
        "git.credentials",
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
    throw new ScopectlError(
      "git.credentials",
      `the repository URL has an '@' after its host, so its credentials cannot be told apart: ${ENCODE_ADVICE}`,
    );
  }
  if (at === -1) return { url: repo };
  const userinfo = repo.slice(start, at);
  if (!web) {
    if (SSH_SCHEME.test(name)) {
      if (!userinfo.includes(":")) return { url: repo };
      throw new ScopectlError(
        "git.credentials",
        `a password in a ${name} URL is not used by git; use an SSH key (ssh-agent or ~/.ssh/config) instead`,
      );
    }
    throw new ScopectlError(
      "git.credentials",
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
    throw new ScopectlError(
      "git.credentials",
      `the repository URL's host does not parse once its user name and password are taken off: ${ENCODE_ADVICE}`,
    );
  }
  return { url, credentials: { username, password } };
}
