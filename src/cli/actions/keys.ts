/**
 * `scopectl keys rotate|list`: the token service's signing keys. Rotation makes a new active key (of the
 * store's Settings.signingAlg); the old one stays in the JWKS until every token it signed has expired.
 * Nothing here prints key material: a listing shows kids, algorithms and times. The work of the
 * commands; declared in ../commands/keys.ts, which loads this module only when one of them runs.
 */
import { SETTINGS_DEFAULTS } from "../../manifest/schemas/settings-defaults.ts";
import { SETTINGS_ID } from "../../plan/desired-resources.ts";
import { SigningKeys } from "../../server/keys/keyring.ts";
import { maxTokenLifetimeSeconds } from "../../server/keys/lifetime.ts";
import type { SigningKeyRecord } from "../../store/signing-keys.ts";
import type { KeysListOptions } from "../commands/keys.ts";
import { withExistingStore } from "../existing-store.ts";
import type { StoreOption } from "../options.ts";
import { colors, out, table, warn } from "../output.ts";

function statusOf(key: SigningKeyRecord, now: number): "active" | "retired" | "expired" {
  if (key.retiredAt === undefined) return "active";
  return key.expiresAt !== undefined && Date.parse(key.expiresAt) <= now ? "expired" : "retired";
}

/** What a listing shows of a key: never the private key, nor the public one (the JWKS serves that). */
function summary(key: SigningKeyRecord, now: number) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: statusOf(key, now),
    createdAt: key.createdAt,
    retiredAt: key.retiredAt ?? null,
    expiresAt: key.expiresAt ?? null,
    encrypted: key.encrypted,
  };
}

export async function rotateKey(options: StoreOption): Promise<void> {
  await withExistingStore(options, async (store) => {
    const [settings, resources] = await Promise.all([store.get("Settings", SETTINGS_ID), store.listAll()]);
    const alg = settings?.props.signingAlg ?? SETTINGS_DEFAULTS.signingAlg;
    const signingKeys = new SigningKeys(store, { masterKey: process.env.SCOPECTL_MASTER_KEY, warn });
    const { kid, retired } = await signingKeys.rotate(alg, maxTokenLifetimeSeconds(resources));
    const until = new Map((await store.signingKeys()).map((k) => [k.kid, k.expiresAt]));
    out(`New signing key ${colors.bold(kid)} (${alg}) is active: new tokens are signed with it.`);
    if (retired.length === 0) out("No key was active before it.");
    for (const old of retired) {
      out(`Retired ${old}: it signs nothing more and stays in the JWKS until ${until.get(old) ?? "?"}.`);
    }
  });
}

export async function listKeys(options: KeysListOptions): Promise<void> {
  await withExistingStore(options, async (store) => {
    const now = Date.now();
    const list = (await store.signingKeys()).map((k) => summary(k, now));
    if (options.json) return out(JSON.stringify(list, null, 2));
    if (list.length === 0) {
      out("No signing keys: the token service makes one on first start (or run `scopectl keys rotate`).");
      return;
    }
    const rows = [["KID", "ALG", "STATUS", "CREATED", "RETIRED", "EXPIRES", "ENCRYPTED"]];
    for (const k of list) {
      rows.push([
        k.kid,
        k.alg,
        k.status,
        k.createdAt,
        k.retiredAt ?? "-",
        k.expiresAt ?? "-",
        k.encrypted ? "yes" : "no",
      ]);
    }
    for (const line of table(rows)) out(line);
  });
}
