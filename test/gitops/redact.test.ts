/** The URL credential rules (gitops/credentials.ts): what is redacted, what is split off for git. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { redactDeep, redactUrls, splitCredentials } from "../../src/gitops/credentials.ts";

describe("redactUrls", { timeout: 10_000 }, () => {
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
    // JSON: a match never runs across a field.
    assert.equal(
      redactUrls('{"a":"http://x","b":"me@example.com"}'),
      '{"a":"http://x","b":"me@example.com"}',
    );
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

describe("splitCredentials", { timeout: 10_000 }, () => {
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
});
