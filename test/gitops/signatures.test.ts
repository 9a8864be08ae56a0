/**
 * `--require-signed`: real git and ssh-keygen in temp folders. An allowed key and a stranger's key,
 * an allowed-signers file, and commits signed by each, unsigned, altered after signing, and signed
 * with another format.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { checkAllowedSignersFile } from "../../src/gitops/allowed-signers.ts";
import { checkSshSigningTools, verifyCommitSignature } from "../../src/gitops/signatures.ts";
import { type Key, makeKey } from "../support/ssh-signing.ts";

interface Fixture {
  dir: string;
  repo: string;
  alice: Key;
  stranger: Key;
  /** alice@example.com may sign git commits. */
  allowed: string;
  git(...args: string[]): string;
  /** Writes an allowed-signers file into the temp folder. */
  signers(name: string, content: string): Promise<string>;
  /** Commits an edit; `key` signs it (-S), none leaves it unsigned. */
  commit(subject: string, key?: Key): string;
  /** Writes a commit object as given (for altered or foreign signatures) and returns its id. */
  writeObject(text: string): string;
}

async function fixture(t: TestContext, objectFormat: "sha1" | "sha256" = "sha1"): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-signatures-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const home = path.join(dir, "home");
  const repo = path.join(dir, "repo");
  await mkdir(home);
  await mkdir(repo);
  const alice = await makeKey(dir, "alice");
  const stranger = await makeKey(dir, "stranger");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    LC_ALL: "C",
  };
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env, encoding: "utf8" }).trim();
  const run = (args: string[], input: string) =>
    execFileSync("git", args, { cwd: repo, env, encoding: "utf8", input }).trim();
  git("init", "-q", "-b", "main", `--object-format=${objectFormat}`);
  git("config", "user.name", "Alice");
  git("config", "user.email", "alice@example.com");
  git("config", "gpg.format", "ssh");
  git("config", "user.signingkey", `${alice.file}.pub`);
  let edits = 0;
  const signers = async (name: string, content: string) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };
  return {
    dir,
    repo,
    alice,
    stranger,
    allowed: await signers("allowed_signers", `alice@example.com namespaces="git" ${alice.pub}\n`),
    git,
    signers,
    commit(subject, key) {
      edits++;
      execFileSync("sh", ["-c", `echo ${edits} > file.txt`], { cwd: repo });
      git("add", "file.txt");
      const sign = key ? ["-c", `user.signingkey=${key.file}`, "commit", "-S"] : ["commit", "--no-gpg-sign"];
      git(...sign, "-q", "-m", subject);
      return git("rev-parse", "HEAD");
    },
    writeObject(text) {
      return run(["hash-object", "-t", "commit", "-w", "--stdin"], text);
    },
  };
}

test("the tools are there: git 2.34+ and an ssh-keygen with -Y find-principals", async () => {
  await checkSshSigningTools();
});

test("a commit signed by an allowed key is accepted, with its principal and fingerprint", async (t) => {
  const f = await fixture(t);
  const sha = f.commit("signed by alice", f.alice);
  const check = await verifyCommitSignature(f.repo, sha, f.allowed);
  assert.deepEqual(check, { ok: true, signer: "alice@example.com", fingerprint: f.alice.fingerprint });
  // An abbreviated id and a ref name are commits too.
  assert.equal((await verifyCommitSignature(f.repo, sha.slice(0, 10), f.allowed)).ok, true);
  assert.equal((await verifyCommitSignature(f.repo, "main", f.allowed)).ok, true);
});

test("an unsigned commit is refused as unsigned", async (t) => {
  const f = await fixture(t);
  f.commit("signed by alice", f.alice);
  const sha = f.commit("nobody signed this");
  const check = await verifyCommitSignature(f.repo, sha, f.allowed);
  assert.equal(check.ok, false);
  assert.equal(check.signer, undefined);
  assert.match(check.reason ?? "", new RegExp(`^commit ${sha.slice(0, 12)} is not signed`));
  assert.ok(check.reason?.includes(f.allowed), check.reason);
});

test("a commit signed by a key outside the allowed signers file is refused, naming the key", async (t) => {
  const f = await fixture(t);
  const sha = f.commit("signed by a stranger", f.stranger);
  const check = await verifyCommitSignature(f.repo, sha, f.allowed);
  assert.equal(check.ok, false);
  assert.match(check.reason ?? "", /is signed by SSH key .* which is not an allowed signer in /);
  assert.ok(check.reason?.includes(f.stranger.fingerprint), check.reason);
  // Listed, it is accepted under its own principal.
  const both = await f.signers(
    "both",
    `alice@example.com ${f.alice.pub}\n"mallory@example.com" ${f.stranger.pub}\n`,
  );
  assert.deepEqual(await verifyCommitSignature(f.repo, sha, both), {
    ok: true,
    signer: "mallory@example.com",
    fingerprint: f.stranger.fingerprint,
  });
});

test("a commit changed after it was signed is refused as a bad signature", async (t) => {
  const f = await fixture(t);
  const sha = f.commit("grant read:all to alice", f.alice);
  const original = f.git("cat-file", "commit", sha);
  const altered = original.replace("grant read:all to alice", "grant admin:all to alice");
  assert.notEqual(altered, original);
  const forged = f.writeObject(`${altered}\n`);
  const check = await verifyCommitSignature(f.repo, forged, f.allowed);
  assert.equal(check.ok, false);
  assert.match(check.reason ?? "", /has an SSH signature that does not verify/);
  assert.match(check.reason ?? "", /ssh-keygen: .*incorrect signature/);
  // The untouched commit still verifies.
  assert.equal((await verifyCommitSignature(f.repo, sha, f.allowed)).ok, true);
});

test("a key listed only for other namespaces, or no longer valid, does not sign commits", async (t) => {
  const f = await fixture(t);
  const sha = f.commit("signed by alice", f.alice);
  const files = await f.signers("files-only", `alice@example.com namespaces="file" ${f.alice.pub}\n`);
  const wrongNamespace = await verifyCommitSignature(f.repo, sha, files);
  assert.equal(wrongNamespace.ok, false);
  assert.match(
    wrongNamespace.reason ?? "",
    /does not verify.*not permitted for use in signature namespace "git"/,
  );

  const expired = await f.signers("expired", `alice@example.com valid-before="20000101" ${f.alice.pub}\n`);
  const late = await verifyCommitSignature(f.repo, sha, expired);
  assert.equal(late.ok, false);
  assert.match(late.reason ?? "", /not an allowed signer.*key has expired/);
});

test("an OpenPGP or X.509 signature is refused when SSH signatures are required", async (t) => {
  const f = await fixture(t);
  const sha = f.commit("signed by alice", f.alice);
  const object = f.git("cat-file", "commit", sha);
  const pgp = f.writeObject(
    `${object
      .replace("-----BEGIN SSH SIGNATURE-----", "-----BEGIN PGP SIGNATURE-----")
      .replace("-----END SSH SIGNATURE-----", "-----END PGP SIGNATURE-----")}\n`,
  );
  const gpgCheck = await verifyCommitSignature(f.repo, pgp, f.allowed);
  assert.equal(gpgCheck.ok, false);
  assert.match(gpgCheck.reason ?? "", /is signed with OpenPGP \(GPG\), but only SSH signatures/);

  const x509 = f.writeObject(
    `${object
      .replace("-----BEGIN SSH SIGNATURE-----", "-----BEGIN SIGNED MESSAGE-----")
      .replace("-----END SSH SIGNATURE-----", "-----END SIGNED MESSAGE-----")}\n`,
  );
  assert.match((await verifyCommitSignature(f.repo, x509, f.allowed)).reason ?? "", /X\.509/);
});

test("a SHA-256 repository's signed and unsigned commits", async (t) => {
  const f = await fixture(t, "sha256");
  const signed = f.commit("signed by alice", f.alice);
  assert.equal(signed.length, 64);
  const unsigned = f.commit("unsigned");
  assert.equal((await verifyCommitSignature(f.repo, signed, f.allowed)).signer, "alice@example.com");
  assert.match((await verifyCommitSignature(f.repo, unsigned, f.allowed)).reason ?? "", /is not signed/);
});

test("the repository's own config cannot add signers or replace ssh-keygen", async (t) => {
  const f = await fixture(t);
  const good = f.commit("signed by alice", f.alice);
  const bad = f.commit("signed by a stranger", f.stranger);
  const strangers = await f.signers("strangers", `mallory@example.com ${f.stranger.pub}\n`);
  f.git("config", "gpg.ssh.allowedSignersFile", strangers);
  f.git("config", "gpg.ssh.program", "false");
  f.git("config", "log.showSignature", "true");
  assert.equal((await verifyCommitSignature(f.repo, good, f.allowed)).ok, true);
  assert.equal((await verifyCommitSignature(f.repo, bad, f.allowed)).ok, false);
});

test("operational errors throw: missing allowed signers file, repository or commit", async (t) => {
  const f = await fixture(t);
  const sha = f.commit("signed by alice", f.alice);
  const missing = path.join(f.dir, "allowed_signerz");
  await assert.rejects(verifyCommitSignature(f.repo, sha, missing), {
    message: `the allowed signers file ${missing} does not exist`,
  });
  await assert.rejects(
    verifyCommitSignature(path.join(f.dir, "nope"), sha, f.allowed),
    /repository folder .* does not exist/,
  );
  await assert.rejects(verifyCommitSignature(f.dir, sha, f.allowed), /cannot read .* as a git repository/);
  await assert.rejects(verifyCommitSignature(f.repo, "0".repeat(40), f.allowed), /has no commit 0{40}/);
  await assert.rejects(verifyCommitSignature(f.repo, "--output=x", f.allowed), /has no commit --output=x/);
});

test("checkAllowedSignersFile accepts ssh-keygen's format and refuses anything else, naming the file", async (t) => {
  const f = await fixture(t);
  const key = f.alice.pub;
  const [type, blob] = key.split(" ");
  const good = await f.signers(
    "good",
    [
      "# the release team",
      "",
      `alice@example.com ${key}`,
      `alice@example.com,bob@example.com namespaces="git,file",valid-after="20240101" ${key}`,
      `"carol@example.com" valid-before="20991231235959Z" ${type} ${blob}`,
      `*@example.com cert-authority ${key}`,
      `  dave@example.com\t${key}\r`,
    ].join("\n"),
  );
  await checkAllowedSignersFile(good);

  const refused: [string, string, RegExp][] = [
    ["empty", "", /lists no signers/],
    ["comments", "# nobody yet\n\n", /lists no signers/],
    ["no-key", "alice@example.com\n", /line 1 has a principal but no key/],
    ["type-only", `# x\nalice@example.com ${type}\n`, /line 2 has no key after "alice@example.com"/],
    [
      "bad-option",
      `alice@example.com namespace="git" ${key}\n`,
      /unsupported or malformed option "namespace="git""/,
    ],
    [
      "bad-time",
      `alice@example.com valid-after="yesterday" ${key}\n`,
      /malformed option "valid-after="yesterday""/,
    ],
    [
      "garbage-key",
      `alice@example.com ssh-ed25519 AAAAnotakey\n`,
      /line 1 has no valid ssh-ed25519 key after "alice@example.com"/,
    ],
    [
      "wrong-type",
      `alice@example.com ssh-rsa ${blob}\n`,
      /"ssh-rsa", which is not the type of the key after it/,
    ],
    ["option-no-key", `alice@example.com cert-authority\n`, /no key after/],
    ["quote", `"alice@example.com ${key}\n`, /unterminated quote/],
    ["pubkey-only", `${key}\n`, /line 1 has/],
  ];
  for (const [name, content, pattern] of refused) {
    const file = await f.signers(name, content);
    await assert.rejects(checkAllowedSignersFile(file), (error: Error) => {
      assert.ok(error.message.startsWith(`the allowed signers file ${file} `), error.message);
      assert.match(error.message, pattern, name);
      return true;
    });
  }
  const missing = path.join(f.dir, "missing");
  await assert.rejects(checkAllowedSignersFile(missing), {
    message: `the allowed signers file ${missing} does not exist`,
  });
  await assert.rejects(checkAllowedSignersFile(f.dir), {
    message: `the allowed signers file ${f.dir} is not a file`,
  });
  // A relative path is named absolute.
  await assert.rejects(checkAllowedSignersFile("no-such-signers-file"), {
    message: `the allowed signers file ${path.resolve("no-such-signers-file")} does not exist`,
  });
});
