/** `scopectl users set-password` on a store made by `apply` of a tiny manifest folder, password on stdin. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { verifyPassword } from "../../src/server/login/password.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { type CliResult, runCli } from "../support/cli.ts";

const MANIFESTS = `apiVersion: scopectl/v1
kind: User
metadata:
  name: alice
spec:
  email: Alice@Example.com
  name: Alice Martin
---
apiVersion: scopectl/v1
kind: User
metadata:
  name: carol
spec:
  email: carol@example.com
  disabled: true
`;

async function appliedFolder(t: test.TestContext): Promise<{ dir: string; store: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-users-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "config"));
  await writeFile(path.join(dir, "config", "users.yaml"), MANIFESTS);
  const store = path.join(dir, "store.db");
  const applied = runCli(["apply", "config", "--yes", "--store", store], { cwd: dir });
  assert.equal(applied.status, 0, applied.stderr);
  return { dir, store };
}

async function storedHash(file: string, userId: string): Promise<string | undefined> {
  const store = await openSqliteStore(file);
  try {
    return await store.passwordHash(userId);
  } finally {
    await store.close();
  }
}

function setPassword(dir: string, store: string, email: string, input: string): CliResult {
  return runCli(["users", "set-password", email, "--store", store], { cwd: dir, input });
}

/** Neither the password (nor any hash) shows in what the command printed. */
function assertNothingSecret(result: CliResult, password: string): void {
  for (const text of [result.stdout, result.stderr]) {
    assert.ok(!text.includes(password), text);
    assert.doesNotMatch(text, /\$argon2/);
  }
}

describe("scopectl users set-password", () => {
  test("reads the password from stdin (one trailing newline removed) and stores an argon2id hash of it", async (t) => {
    const { dir, store } = await appliedFolder(t);
    const password = "correct horse battery staple";
    // Email addresses match in any letter case.
    const result = setPassword(dir, store, "alice@EXAMPLE.com", `${password}\n`);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "password set for alice (Alice@Example.com)\n");
    assert.equal(result.stderr, "");
    assertNothingSecret(result, password);
    const hash = await storedHash(store, "alice");
    assert.match(hash ?? "", /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(hash, password), true);
    assert.equal(await verifyPassword(hash, `${password}\n`), false);
    assert.equal(await verifyPassword(hash, "correct horse battery stapler"), false);
    // Setting it again replaces it.
    assert.equal(setPassword(dir, store, "alice@example.com", "another password").status, 0);
    const again = await storedHash(store, "alice");
    assert.equal(await verifyPassword(again, "another password"), true);
    assert.equal(await verifyPassword(again, password), false);
  });

  test("a CRLF line ending is removed too, and only one line ending", async (t) => {
    const { dir, store } = await appliedFolder(t);
    const crlf = setPassword(dir, store, "alice@example.com", "windows password\r\n");
    assert.equal(crlf.status, 0, crlf.stderr);
    const hash = await storedHash(store, "alice");
    assert.equal(await verifyPassword(hash, "windows password"), true);
    assert.equal(await verifyPassword(hash, "windows password\r"), false);
    // Without a line ending, all of stdin is the password.
    assert.equal(setPassword(dir, store, "alice@example.com", "no newline at all").status, 0);
    assert.equal(await verifyPassword(await storedHash(store, "alice"), "no newline at all"), true);
    // A second line ending is part of the password, and a control character: refused.
    const two = setPassword(dir, store, "alice@example.com", "two newlines\n\n");
    assert.equal(two.status, 1);
    assert.match(two.stderr, /^error: the password contains a control character/);
    assert.equal(await verifyPassword(await storedHash(store, "alice"), "no newline at all"), true);
  });

  test("an unknown email address is refused with its name, exit 1, and nothing is written", async (t) => {
    const { dir, store } = await appliedFolder(t);
    const result = setPassword(dir, store, "mallory@example.com", "a fine password\n");
    assert.equal(result.status, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^error: no User in the store .* has the email address mallory@example\.com; add a User manifest for it and apply it first\n$/,
    );
    assertNothingSecret(result, "a fine password");
    assert.equal(await storedHash(store, "alice"), undefined);
    assert.equal(await storedHash(store, "mallory"), undefined);
  });

  test("a store that does not exist is refused and not created", async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-users-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const store = path.join(dir, "missing", "store.db");
    const result = setPassword(dir, store, "alice@example.com", "a fine password\n");
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^error: there is no store at .*store\.db: apply the manifests/);
    assert.equal(existsSync(path.dirname(store)), false);
  });

  test("a password that is too short (or empty stdin) is refused and nothing is written", async (t) => {
    const { dir, store } = await appliedFolder(t);
    for (const input of ["pw-7xq\n", "1234567", ""]) {
      const result = setPassword(dir, store, "alice@example.com", input);
      assert.equal(result.status, 1, input);
      assert.equal(result.stdout, "");
      assert.equal(
        result.stderr,
        "error: the password is too short: it must be at least 8 characters long\n",
      );
      if (input) assertNothingSecret(result, input.trim());
    }
    const long = setPassword(dir, store, "alice@example.com", "x".repeat(129));
    assert.equal(long.status, 1);
    assert.match(long.stderr, /too long: it must be at most 128 characters/);
    assert.equal(await storedHash(store, "alice"), undefined);
  });

  test("a disabled user gets a password, with a note that they cannot sign in while disabled", async (t) => {
    const { dir, store } = await appliedFolder(t);
    const result = setPassword(dir, store, "carol@example.com", "carol's password\n");
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "password set for carol (carol@example.com)\n");
    assert.match(result.stderr, /carol is disabled: they cannot sign in until the User is enabled again/);
    assertNothingSecret(result, "carol's password");
    assert.equal(await verifyPassword(await storedHash(store, "carol"), "carol's password"), true);
  });

  test("--help describes the command, its store option and how the password is read", () => {
    const help = runCli(["users", "set-password", "--help"]);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: scopectl users set-password \[options\] <email>/);
    assert.match(help.stdout, /--store <file\|url>/);
    assert.match(help.stdout, /otherwise it is read from stdin, less one\ntrailing line break/);
    assert.match(runCli(["--help"]).stdout, /scopectl users set-password EMAIL/);
  });
});
