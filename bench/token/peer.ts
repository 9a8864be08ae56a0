/**
 * The peer of bench/token: oidc-provider set up for the client credentials grant with JWT access
 * tokens (resource indicators, RFC 8707), one confidential client, signing with ALG.
 *   peer.ts ALG PORT [refresh]      prints "listening" when ready
 *
 * With `refresh`, also the refresh_token grant with rotation (`rotateRefreshToken: true`) for a second
 * (regular, confidential) client, its records in SQLite (WAL, synchronous=NORMAL, as scopectl keeps
 * its sign-in state) through a minimal adapter below, instead of the in-memory adapter (an LRU of 1,000
 * entries, meant for development, whose per-grant member list is rescanned on every write). And
 * `POST /bench/refresh-tokens?n=N`, which answers N fresh refresh tokens (JSON), each of its own grant
 * of user `alice`, for `offline_access read:things write:things` at the Api: minted through the
 * provider's own models (Grant and RefreshToken, as its authorization_code grant saves them) instead of
 * through a login interaction, which oidc-provider leaves to the application (it has no login page of
 * its own beyond a development one).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { exportJWK, generateKeyPair } from "jose";
import Provider, {
  type Adapter,
  type AdapterPayload,
  type AsymmetricSigningAlgorithm,
  type Configuration,
} from "oidc-provider";

const [algArg = "RS256", port = "0", mode = "client_credentials"] = process.argv.slice(2);
const refresh = mode === "refresh";
const alg = algArg as AsymmetricSigningAlgorithm;
const { privateKey } = await generateKeyPair(alg, { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg, use: "sig", kid: "peer" };
const resource = "https://api.example.com";
const SCOPES = "read:things write:things";

/** oidc-provider's adapter contract over one SQLite table, one statement (transaction) per call. */
function sqliteAdapter(file: string): (model: string) => Adapter {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(`
    CREATE TABLE records (
      model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL, grant_id TEXT, uid TEXT,
      user_code TEXT, expires_at INTEGER, consumed_at INTEGER, PRIMARY KEY (model, id)
    ) WITHOUT ROWID;
    CREATE INDEX records_by_grant ON records (grant_id);
    CREATE INDEX records_by_uid ON records (model, uid);
    CREATE INDEX records_by_user_code ON records (model, user_code);
  `);
  const live = "(expires_at IS NULL OR expires_at > ?)";
  const statements = {
    upsert: db.prepare(
      "INSERT OR REPLACE INTO records (model, id, payload, grant_id, uid, user_code, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    find: db.prepare(`SELECT payload, consumed_at FROM records WHERE model = ? AND id = ? AND ${live}`),
    findByUid: db.prepare(`SELECT payload, consumed_at FROM records WHERE model = ? AND uid = ? AND ${live}`),
    findByUserCode: db.prepare(
      `SELECT payload, consumed_at FROM records WHERE model = ? AND user_code = ? AND ${live}`,
    ),
    consume: db.prepare("UPDATE records SET consumed_at = ? WHERE model = ? AND id = ?"),
    destroy: db.prepare("DELETE FROM records WHERE model = ? AND id = ?"),
    revokeByGrantId: db.prepare("DELETE FROM records WHERE grant_id = ?"),
  };
  const now = () => Math.floor(Date.now() / 1000);
  const payloadOf = (row: unknown): AdapterPayload | undefined => {
    if (!row) return undefined;
    const { payload, consumed_at } = row as { payload: string; consumed_at: number | null };
    return {
      ...(JSON.parse(payload) as AdapterPayload),
      ...(consumed_at !== null ? { consumed: consumed_at } : {}),
    };
  };
  return (model) => ({
    async upsert(id, payload, expiresIn) {
      statements.upsert.run(
        model,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.uid ?? null,
        payload.userCode ?? null,
        expiresIn ? now() + expiresIn : null,
      );
    },
    async find(id) {
      return payloadOf(statements.find.get(model, id, now()));
    },
    async findByUid(uid) {
      return payloadOf(statements.findByUid.get(model, uid, now()));
    },
    async findByUserCode(userCode) {
      return payloadOf(statements.findByUserCode.get(model, userCode, now()));
    },
    async consume(id) {
      statements.consume.run(now(), model, id);
    },
    async destroy(id) {
      statements.destroy.run(model, id);
    },
    async revokeByGrantId(grantId) {
      statements.revokeByGrantId.run(grantId);
    },
  });
}

const storeDir = refresh ? mkdtempSync(path.join(os.tmpdir(), "scopectl-bench-peer-")) : undefined;
const configuration: Configuration = {
  clients: [
    {
      client_id: "bench-client",
      client_secret: "bench-secret-0123456789abcdef0123456789abcdef",
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: "client_secret_post",
      // The client's default (RS256) must be a key the provider has: with only an ES256 key, set it.
      id_token_signed_response_alg: alg,
      scope: SCOPES,
    },
    {
      client_id: "bench-web",
      client_secret: "bench-web-secret-0123456789abcdef0123456789abcdef",
      grant_types: ["authorization_code", "refresh_token"],
      redirect_uris: ["https://web.example/callback"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: alg,
    },
  ],
  jwks: { keys: [jwk] },
  scopes: ["openid", "offline_access", "read:things", "write:things"],
  findAccount: (_ctx, accountId) => ({ accountId, claims: () => ({ sub: accountId }) }),
  rotateRefreshToken: true,
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: SCOPES,
        audience: resource,
        accessTokenTTL: 3600,
        accessTokenFormat: "jwt",
        jwt: { sign: { alg } },
      }),
    },
  },
};
if (storeDir) configuration.adapter = sqliteAdapter(path.join(storeDir, "peer.db"));
const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
provider.proxy = false;

/** N refresh tokens, each of a new grant of alice at bench-web, as a code exchange would save them. */
async function refreshTokens(n: number): Promise<string[]> {
  const client = await provider.Client.find("bench-web");
  if (!client) throw new Error("no client bench-web");
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const grant = new provider.Grant({ accountId: "alice", clientId: client.clientId });
    grant.addOIDCScope("offline_access");
    grant.addResourceScope(resource, SCOPES);
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      client,
      accountId: "alice",
      grantId,
      gty: "authorization_code",
      scope: `offline_access ${SCOPES}`,
      resource,
      authTime: Math.floor(Date.now() / 1000),
      expiresWithSession: false,
    });
    tokens.push(await token.save());
  }
  return tokens;
}

const oidc = provider.callback();
const server = createServer((req, res) => {
  if (refresh && req.method === "POST" && req.url?.startsWith("/bench/refresh-tokens")) {
    const n = Number(new URL(req.url, "http://peer").searchParams.get("n") ?? 1);
    refreshTokens(n).then(
      (tokens) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(tokens));
      },
      (error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      },
    );
    return;
  }
  oidc(req, res);
});
server.listen(Number(port), "127.0.0.1", () => console.log("listening"));
process.on("SIGTERM", () =>
  server.close(() => {
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
    process.exit(0);
  }),
);
