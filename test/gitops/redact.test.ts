/** The URL credential rules (gitops/credentials.ts): what is redacted, what is split off for git. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { redactDeep, redactUrls } from "../../src/core/redact.ts";
import { splitCredentials } from "../../src/gitops/credentials.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

/**
 * The characters that broke the first version (a character-class regex): RFC 3986 does not allow them
 * in userinfo, but people paste them and git takes them. Plus `@` and `:` (a raw `@` in a password ends
 * at the last one; the first `:` splits the name from the password), and any code point.
 */
const AWKWARD = [..."^{}|`\"[] \\<>'@:!$&()*+,;=~%", "é", "😀", "\t"];
const part = fc
  .array(fc.oneof(fc.constantFrom(...AWKWARD), fc.string({ unit: "binary", maxLength: 3 })), {
    maxLength: 12,
  })
  .map((pieces) => pieces.join(""))
  // A line break or NUL is refused (git's credential protocol is line-based): a property of its own.
  .filter((s) => !/[\r\n\0]/.test(s));

/**
 * How a user writes `value` in a URL: `/ ? #` (which end the authority) and `%` always encoded, `:` too in
 * the user name; any other character either raw or encoded, as `raw` says.
 */
function inUrl(value: string, raw: boolean[], what: "user" | "password"): string {
  const always = what === "user" ? /[/?#%:]/ : /[/?#%]/;
  return [...value]
    .map((c, i) => (always.test(c) || raw[i % Math.max(raw.length, 1)] === false ? encodeURIComponent(c) : c))
    .join("");
}

describe("redactUrls", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("replaces the userinfo of every URL in a text, and leaves the rest", () => {
    assert.equal(
      redactUrls("fatal: repository 'https://bot:ghp_abc@github.com/o/r.git/' not found"),
      "fatal: repository 'https://***@github.com/o/r.git/' not found",
    );
    assert.equal(redactUrls("https://ghp_tokenonly@host/r.git"), "https://***@host/r.git");
    assert.equal(
      redactUrls("http://u:p%40ss@h:8080/r and ftp://a:b@c/d"),
      "http://***@h:8080/r and ftp://***@c/d",
    );
    // A raw `@` in the password still ends at the last one before the host.
    assert.equal(redactUrls("https://u:p@ss@host/r"), "https://***@host/r");
    assert.equal(redactUrls("ssh://git@host/r.git"), "ssh://git@host/r.git", "a login name is not a secret");
    assert.equal(redactUrls("ssh://git:pw@host/r.git"), "ssh://***@host/r.git");
    assert.equal(redactUrls("git@github.com:o/r.git"), "git@github.com:o/r.git");
    assert.equal(
      redactUrls("https://host/path@v2"),
      "https://host/path@v2",
      "an @ in the path is not userinfo",
    );
    // Fail closed: a URL without a path runs on to the next / ? #, so a later `@` hides too much.
    assert.equal(redactUrls("see http://x or me@example.com"), "see http://***@example.com");
    assert.equal(redactUrls("see http://x/ or me@example.com"), "see http://x/ or me@example.com");
  });

  test("redactDeep redacts every string of an object, and copies it", () => {
    const status = { repo: "https://u:t@h/r", drift: [{ id: "x", note: "see http://a:b@c/" }], n: 1 };
    assert.deepEqual(redactDeep(status), {
      repo: "https://***@h/r",
      drift: [{ id: "x", note: "see http://***@c/" }],
      n: 1,
    });
    assert.equal(status.repo, "https://u:t@h/r", "the original is untouched");
  });
});

describe("userinfo of any characters (property)", { timeout: SUITE_TIMEOUT_MS }, () => {
  const host = "git.example:8443";
  const urlOf = (user: string, password: string, rawU: boolean[], rawP: boolean[], path = "/o/r.git") =>
    `https://${inUrl(user, rawU, "user")}:${inUrl(password, rawP, "password")}@${host}${path}`;

  test("redactUrls replaces all of the userinfo, and only it, in a git-style message", () => {
    fc.assert(
      fc.property(
        part,
        part,
        fc.array(fc.boolean()),
        fc.array(fc.boolean()),
        (user, password, rawU, rawP) => {
          for (const path of ["/o/r.git", ""]) {
            const url = urlOf(user, password, rawU, rawP, path);
            const text = `fatal: unable to access '${url}': The requested URL returned error: 403`;
            assert.equal(
              redactUrls(text),
              `fatal: unable to access 'https://***@${host}${path}': The requested URL returned error: 403`,
            );
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("splitCredentials gives back exactly the user name and password, and the URL without them", () => {
    fc.assert(
      fc.property(
        part,
        part,
        fc.array(fc.boolean()),
        fc.array(fc.boolean()),
        (user, password, rawU, rawP) => {
          const split = splitCredentials(urlOf(user, password, rawU, rawP));
          assert.deepEqual(split, {
            url: `https://${host}/o/r.git`,
            credentials: { username: user, password },
          });
          assert.deepEqual(splitCredentials(split.url), { url: split.url }, "the URL left carries none");
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("a line break anywhere in the userinfo is refused, and the error does not echo it", () => {
    fc.assert(
      fc.property(part, fc.constantFrom("\n", "\r", "\0", "%0A", "%0d", "%00"), part, (a, brk, b) => {
        const password = `${a}${brk}${b}`;
        const url = `https://bot:${inUrl(a, [], "password")}${brk}${inUrl(b, [], "password")}@${host}/r`;
        assert.throws(
          () => splitCredentials(url),
          (error: Error) => /contains a line break/.test(error.message) && !error.message.includes(password),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe("splitCredentials", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("takes the userinfo off an http(s) URL, percent-decoded", () => {
    assert.deepEqual(splitCredentials("https://bot:p%40ss%3Aw@git.example/o/r.git"), {
      url: "https://git.example/o/r.git",
      credentials: { username: "bot", password: "p@ss:w" },
    });
    assert.deepEqual(splitCredentials("https://ghp_token@github.com/o/r"), {
      url: "https://github.com/o/r",
      credentials: { username: "ghp_token", password: "" },
    });
  });

  test("leaves paths, scp-style and ssh URLs alone; refuses a password git would not use or a line break", () => {
    for (const repo of [
      "/srv/git/r.git",
      "../r",
      "git@github.com:o/r.git",
      "ssh://git@host/r",
      "https://h/r",
    ]) {
      assert.deepEqual(splitCredentials(repo), { url: repo });
    }
    assert.throws(
      () => splitCredentials("ssh://git:pw@host/r"),
      /a password in a ssh URL is not used by git/,
    );
    assert.throws(
      () => splitCredentials("https://u:a%0Ab@h/r"),
      /the password in the repository URL contains a line break/,
    );
    assert.throws(() => splitCredentials("https://u:%E0%A4%A@h/r"), /not valid percent-encoding/);
  });

  test("fails closed: what might be a password with a raw / ? # is refused, without echoing it", () => {
    for (const repo of [
      "https://bot:XSEC/RETX@git.example/r.git", // the host would be "bot" with the port "XSEC"
      "https://bot:XSEC?RETX@git.example/r.git",
      "https://bot:XSEC#RETX@git.example/r.git",
      "https://XSEC/RETX@git.example/r.git", // a token with a '/': "XSEC" would be the host
      "https://git.example/r.git?access=XSECRETX@x",
      "https://bot:XSECRETX@git.example:99999/r.git", // no such port: git could not use it either
    ]) {
      assert.throws(
        () => splitCredentials(repo),
        (error: Error) =>
          /percent-encode|does not parse/.test(error.message) && !/XSEC|RETX/.test(error.message),
        repo,
      );
    }
    // Userinfo in a scheme git gives no password to: refused rather than kept in git's argv.
    assert.throws(() => splitCredentials("git+https://ghp_tok@host/r"), /from a git\+https URL/);
    assert.throws(() => splitCredentials("ftp://u:pw@host/r"), /from a ftp URL/);
    assert.throws(
      () => splitCredentials("user:XSECRETX@host:org/r.git"),
      (error: Error) => /scp-style/.test(error.message) && !error.message.includes("XSECRETX"),
    );
  });
});
