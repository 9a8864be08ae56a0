/**
 * Acceptance of issue 7: "A signed-commit test creates an SSH signing key with ssh-keygen, applies a
 * signed commit, and refuses an unsigned one". Real ssh-keygen keys, a pushing clone configured to sign
 * (gpg.format ssh, user.signingkey, commit.gpgsign), and `scopectl sync --once --require-signed` as a
 * separate process: a signed commit applies; an unsigned one and one signed by a stranger's key are
 * refused (status Failed, the store unchanged); the next signed commit applies again.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { SyncStatus } from "../../src/store/sync-status.ts";
import { runCli } from "../support/cli.ts";
import { type GitRemote, gitRemote } from "../support/git-remote.ts";
import { makeKey, signCommitsWith, writeAllowedSigners } from "../support/ssh-signing.ts";
import { SYNC_FIXTURE, writeOrdersScopes } from "../support/sync-tenant.ts";

function syncSigned(remote: GitRemote, allowedSigners: string) {
  return runCli([
    "sync",
    "--repo",
    remote.remote,
    "--once",
    "--require-signed",
    allowedSigners,
    "--store",
    remote.store,
    "--clone-dir",
    remote.cloneDir,
    "--log-level",
    "warn",
  ]);
}

function statusJson(remote: GitRemote): SyncStatus {
  const result = runCli(["status", "--store", remote.store, "--json"]);
  return JSON.parse(result.stdout) as SyncStatus;
}

/** The store's revision and the orders Api's scope names. */
async function storeState(remote: GitRemote): Promise<{ revision: number; scopes: string[] }> {
  const store = await openSqliteStore(remote.store);
  try {
    const scopes = (await store.list("Scope")).map((s) => s.props.name as string).sort();
    return { revision: await store.revision(), scopes };
  } finally {
    await store.close();
  }
}

test("--require-signed applies commits signed by an allowed key and refuses unsigned and strangers' commits", async (t) => {
  const remote = await gitRemote(t, SYNC_FIXTURE);
  const keys = await mkdtemp(path.join(os.tmpdir(), "scopectl-signed-sync-"));
  t.after(() => rm(keys, { recursive: true, force: true }));
  const alice = await makeKey(keys, "alice");
  const stranger = await makeKey(keys, "stranger");
  const allowed = await writeAllowedSigners(path.join(keys, "allowed_signers"), [
    { principal: "alice@example.com", key: alice },
  ]);

  // The clone that pushes signs every commit with alice's key from now on.
  signCommitsWith(remote.git, alice);
  await writeOrdersScopes(remote, ["read:orders", "write:orders"]);
  const signed = remote.push("add write:orders (signed)");
  assert.match(remote.git("cat-file", "commit", signed), /^gpgsig -----BEGIN SSH SIGNATURE-----$/m);

  const applied = syncSigned(remote, allowed);
  assert.equal(applied.status, 0, applied.stdout + applied.stderr);
  assert.match(applied.stdout, /^Synced {2}main of /m);
  const afterSigned = await storeState(remote);
  assert.deepEqual(afterSigned.scopes, ["read:orders", "write:orders"]);
  assert.equal(statusJson(remote).lastApplied?.sha, signed);

  // An unsigned commit: refused, nothing changes.
  remote.git("config", "commit.gpgsign", "false");
  await writeOrdersScopes(remote, ["read:orders", "write:orders", "delete:orders"]);
  const unsigned = remote.push("add delete:orders (unsigned)");
  assert.doesNotMatch(remote.git("cat-file", "commit", unsigned), /^gpgsig/m);
  const refused = syncSigned(remote, allowed);
  assert.equal(refused.status, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /^Failed {2}main of /m);
  const unsignedStatus = statusJson(remote);
  assert.equal(unsignedStatus.state, "Failed");
  assert.equal(unsignedStatus.lastApplied?.sha, signed);
  assert.equal(unsignedStatus.lastAttempted?.sha, unsigned);
  assert.ok(
    unsignedStatus.error?.includes(
      `commit ${unsigned.slice(0, 12)} is not signed; only commits signed by a key in ${allowed} are applied`,
    ),
    unsignedStatus.error,
  );
  assert.deepEqual(await storeState(remote), afterSigned, "the unsigned commit changed nothing");

  // Signed, but by a key the allowed-signers file does not list: refused, naming the key.
  remote.git("config", "commit.gpgsign", "true");
  remote.git("config", "user.signingkey", stranger.file);
  await writeOrdersScopes(remote, ["read:orders", "write:orders", "admin:orders"]);
  const strangers = remote.push("add admin:orders (a stranger's key)");
  assert.match(remote.git("cat-file", "commit", strangers), /^gpgsig -----BEGIN SSH SIGNATURE-----$/m);
  const refusedAgain = syncSigned(remote, allowed);
  assert.equal(refusedAgain.status, 1, refusedAgain.stdout + refusedAgain.stderr);
  const strangerStatus = statusJson(remote);
  assert.equal(strangerStatus.state, "Failed");
  assert.equal(strangerStatus.lastApplied?.sha, signed);
  assert.equal(strangerStatus.lastAttempted?.sha, strangers);
  assert.match(strangerStatus.error ?? "", /is signed by SSH key .* which is not an allowed signer in /);
  assert.ok(strangerStatus.error?.includes(stranger.fingerprint), strangerStatus.error);
  assert.deepEqual(await storeState(remote), afterSigned, "the stranger's commit changed nothing");

  // Alice signs the next commit (her tree is what applies): Synced again.
  remote.git("config", "user.signingkey", alice.file);
  await writeOrdersScopes(remote, ["read:orders", "write:orders", "cancel:orders"]);
  const next = remote.push("add cancel:orders (signed)");
  const recovered = syncSigned(remote, allowed);
  assert.equal(recovered.status, 0, recovered.stdout + recovered.stderr);
  const final = statusJson(remote);
  assert.equal(final.state, "Synced");
  assert.equal(final.lastApplied?.sha, next);
  assert.equal(final.error, undefined);
  assert.deepEqual((await storeState(remote)).scopes, ["cancel:orders", "read:orders", "write:orders"]);
});
