/**
 * Store baseline for bench/token's refresh grant: how many refresh token rotations a SQLite store does
 * per second in one process, alone (no HTTP, no signing), one at a time: what `scopectl serve` does to
 * its store per refresh_token request. Each rotation mints the next token and hashes both, as the
 * grant does, then calls `rotateRefreshToken` (one write transaction: find the presented token, mark
 * it used, insert the next one, extend the grant), round-robin over FAMILIES sign-ins, as the bench's
 * connections each refresh their own, all for one User the store holds (as the server's sign-ins are).
 * The store is a fresh file in the OS temp dir, like the server's.
 * Prints `{"rate": N}`.
 *   rotate-rate.ts SECONDS [FAMILIES=16]
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sha256Hex } from "../../src/core/secrets.ts";
import { RECONCILER, type UserProps } from "../../src/model/resources.ts";
import { mintRefreshToken } from "../../src/server/oauth/user-tokens.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";

const [seconds = "5", families = "16"] = process.argv.slice(2);
const CLIENT_ID = "bench-web";
const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-bench-rotate-"));
try {
  const store = await openSqliteStore(path.join(dir, "store.db"));
  // The user must be in the store: a grant for a user it does not hold is stored revoked (issue 12).
  const ctx = { actor: "bench", managedBy: RECONCILER };
  const alice: UserProps = {
    email: "alice@example.com",
    displayName: "alice",
    roles: [],
    additionalScopes: {},
    disabled: false,
  };
  await store.transaction((tx) => tx.put("User", "alice", alice, ctx), { ctx });
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < Number(families); i++) {
    const now = nowSeconds();
    const createdAt = new Date(now * 1000).toISOString();
    const grantId = `bench-grant-${i}`;
    await store.createGrant(
      {
        id: grantId,
        clientId: CLIENT_ID,
        userId: "alice",
        scopes: ["offline_access"],
        audiences: [],
        granted: { openIdScopes: ["offline_access"], audiences: [] },
        authTime: now,
        createdAt,
      },
      {
        codeSha256: sha256Hex(`bench-code-${i}`),
        grantId,
        redirectUri: "https://web.example/callback",
        codeChallenge: "unused",
        expiresAt: new Date((now + 60) * 1000).toISOString(),
      },
    );
    const first = mintRefreshToken(now);
    await store.addRefreshToken({ ...first.record, grantId });
    tokens.push(first.token);
  }

  let count = 0;
  const rotate = async () => {
    const slot = count % tokens.length;
    const now = nowSeconds();
    const next = mintRefreshToken(now);
    const rotation = await store.rotateRefreshToken(
      sha256Hex(tokens[slot] as string),
      CLIENT_ID,
      next.record,
      new Date(now * 1000).toISOString(),
    );
    if (rotation.status !== "ok") throw new Error(`rotation ${count}: ${rotation.status}`);
    tokens[slot] = next.token;
    count++;
  };

  for (let i = 0; i < 200; i++) await rotate(); // warm up
  count = 0;
  const started = performance.now();
  const until = started + Number(seconds) * 1000;
  while (performance.now() < until) await rotate();
  const rate = count / ((performance.now() - started) / 1000);
  await store.close();
  console.log(JSON.stringify({ rate }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
