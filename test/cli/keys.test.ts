/** `scopectl keys rotate|list` on a store made by `apply` of a tiny manifest folder. */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../support/cli.ts";

const MANIFESTS = `apiVersion: scopectl/v1
kind: Settings
metadata:
  name: settings
spec:
  signingAlg: ES256
  accessTokenLifetimeSeconds: 600
---
apiVersion: scopectl/v1
kind: Api
metadata:
  name: todos
spec:
  audience: https://todos.example.com
  displayName: Todo API
  scopes:
    - name: read:todos
      description: Read todos
---
apiVersion: scopectl/v1
kind: Application
metadata:
  name: reporter
spec:
  type: m2m
  apis:
    todos:
      scopes: [read:todos]
  tokens:
    lifetimeSeconds: 7200
`;

interface ListedKey {
  kid: string;
  alg: string;
  status: string;
  createdAt: string;
  retiredAt: string | null;
  expiresAt: string | null;
  encrypted: boolean;
}

async function appliedFolder(t: test.TestContext): Promise<{ dir: string; store: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-keys-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "config"));
  await writeFile(path.join(dir, "config", "tenant.yaml"), MANIFESTS);
  const store = path.join(dir, "store.db");
  const applied = runCli(["apply", "config", "--yes", "--store", store], { cwd: dir });
  assert.equal(applied.status, 0, applied.stderr);
  return { dir, store };
}

describe("scopectl keys", () => {
  test("list on a store without keys says how one is made", async (t) => {
    const { dir, store } = await appliedFolder(t);
    const listed = runCli(["keys", "list", "--store", store], { cwd: dir });
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /No signing keys: the token service makes one on first start/);
    assert.deepEqual(
      JSON.parse(runCli(["keys", "list", "--store", store, "--json"], { cwd: dir }).stdout),
      [],
    );
  });

  test("rotate makes a key of Settings.signingAlg; a second rotate retires it until the longest token lifetime has passed", async (t) => {
    const { dir, store } = await appliedFolder(t);
    const env = { SCOPECTL_MASTER_KEY: "" };
    const first = runCli(["keys", "rotate", "--store", store], { cwd: dir, env });
    assert.equal(first.status, 0, first.stderr);
    const firstKid = /New signing key (\S+) \(ES256\) is active/.exec(first.stdout)?.[1];
    assert.ok(firstKid, first.stdout);
    assert.match(first.stdout, /No key was active before it\./);
    assert.match(
      first.stderr,
      /warning: SCOPECTL_MASTER_KEY is not set: signing keys are stored unencrypted in .*store\.db/,
    );

    const started = Date.now();
    const second = runCli(["keys", "rotate", "--store", store], { cwd: dir, env });
    const finished = Date.now();
    assert.equal(second.status, 0, second.stderr);
    const secondKid = /New signing key (\S+) \(ES256\) is active/.exec(second.stdout)?.[1];
    assert.ok(secondKid && secondKid !== firstKid, second.stdout);
    const until = new RegExp(
      `Retired ${firstKid}: it signs nothing more and stays in the JWKS until (\\S+)\\.`,
    ).exec(second.stdout)?.[1];
    assert.ok(until, second.stdout);
    // The application's 7200 s is the longest lifetime (Settings says 600), plus a minute of grace,
    // counted from a moment of the rotation: between the command's start and its end (to the second).
    const retiredUntil = Date.parse(until);
    const published = 1000 * (7200 + 60);
    assert.ok(
      retiredUntil >= started + published - 1000 && retiredUntil <= finished + published + 1000,
      `published until ${until}, rotated between ${new Date(started).toISOString()} and ${new Date(finished).toISOString()}`,
    );

    const json = runCli(["keys", "list", "--store", store, "--json"], { cwd: dir });
    assert.equal(json.status, 0, json.stderr);
    const keys = JSON.parse(json.stdout) as ListedKey[];
    assert.deepEqual(
      keys.map((k) => [k.kid, k.alg, k.status, k.expiresAt, k.encrypted]),
      [
        [firstKid, "ES256", "retired", until, false],
        [secondKid, "ES256", "active", null, false],
      ],
    );
    for (const k of keys)
      assert.deepEqual(Object.keys(k).sort(), [
        "alg",
        "createdAt",
        "encrypted",
        "expiresAt",
        "kid",
        "retiredAt",
        "status",
      ]);

    const text = runCli(["keys", "list", "--store", store], { cwd: dir });
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^KID\s+ALG\s+STATUS\s+CREATED\s+RETIRED\s+EXPIRES\s+ENCRYPTED$/);
    assert.match(
      lines[1] ?? "",
      new RegExp(`^${firstKid}\\s+ES256\\s+retired\\s+\\S+\\s+\\S+\\s+${until}\\s+no$`),
    );
    assert.match(lines[2] ?? "", new RegExp(`^${secondKid}\\s+ES256\\s+active\\s+\\S+\\s+-\\s+-\\s+no$`));
  });

  test("with SCOPECTL_MASTER_KEY the new key is encrypted and the listing shows no key material", async (t) => {
    const { dir, store } = await appliedFolder(t);
    const env = { SCOPECTL_MASTER_KEY: "a master key for the test" };
    const rotated = runCli(["keys", "rotate", "--store", store], { cwd: dir, env });
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.doesNotMatch(rotated.stderr, /warning/);
    const listed = runCli(["keys", "list", "--store", store, "--json"], { cwd: dir });
    const [key] = JSON.parse(listed.stdout) as ListedKey[];
    assert.equal(key?.encrypted, true);
    for (const output of [
      rotated.stdout,
      listed.stdout,
      runCli(["keys", "list", "--store", store], { cwd: dir }).stdout,
    ]) {
      assert.doesNotMatch(output, /"d"|"ct"|"n"|"x"|PRIVATE|a master key for the test/);
    }
  });

  test("rotate refuses to add an unencrypted key to a store whose keys are encrypted", async (t) => {
    const { dir, store } = await appliedFolder(t);
    const env = { SCOPECTL_MASTER_KEY: "a master key for the test" };
    assert.equal(runCli(["keys", "rotate", "--store", store], { cwd: dir, env }).status, 0);
    const refused = runCli(["keys", "rotate", "--store", store], {
      cwd: dir,
      env: { SCOPECTL_MASTER_KEY: "" },
    });
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /^error: the signing keys of this store are encrypted at rest; set SCOPECTL_MASTER_KEY/m,
    );
    const listed = JSON.parse(
      runCli(["keys", "list", "--store", store, "--json"], { cwd: dir }).stdout,
    ) as ListedKey[];
    assert.equal(listed.length, 1, "nothing was added");
  });
});
