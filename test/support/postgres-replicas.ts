/**
 * Token service replicas on one PostgreSQL database, in this process: the manifests written to a temp
 * folder and applied by the reconciler through the first replica's store, then one `startTokenServer`
 * per replica, each with a Store (and so a pool) of its own, as separate `scopectl serve` processes
 * would have, all at one issuer (as behind a load balancer). The database URL carries the password:
 * it goes to openStore only, never to a message.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { pino } from "pino";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { hashPassword } from "../../src/server/login/password.ts";
import { startTokenServer, type TokenServer, type TokenServerOptions } from "../../src/server/server.ts";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/store.ts";
import { freePort } from "./net.ts";

export interface Replicas {
  /** The issuer every replica serves: the first replica's URL. */
  issuer: string;
  servers: TokenServer[];
  stores: Store[];
  /** Client secrets and API keys made by the apply, by Application or ApiKey name. */
  secrets: Map<string, string>;
}

export interface ReplicaOptions {
  replicas?: number;
  /** Users (metadata.name) to give `password`. */
  passwords?: { users: readonly string[]; password: string };
  server?: Partial<TokenServerOptions>;
}

export async function serveReplicas(
  t: TestContext,
  databaseUrl: string,
  files: (issuer: string) => Record<string, string>,
  options: ReplicaOptions = {},
): Promise<Replicas> {
  const root = await mkdtemp(path.join(os.tmpdir(), "scopectl-replicas-"));
  const stores: Store[] = [];
  const servers: TokenServer[] = [];
  t.after(async () => {
    await Promise.allSettled(servers.map((server) => server.close()));
    await Promise.allSettled(stores.map((store) => store.close()));
    await rm(root, { recursive: true, force: true });
  });
  const count = options.replicas ?? 2;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  const issuer = `http://127.0.0.1:${ports[0]}`;

  const dir = path.join(root, "config");
  await mkdir(dir);
  for (const [name, content] of Object.entries(files(issuer))) await writeFile(path.join(dir, name), content);
  const first = await openStore(databaseUrl);
  stores.push(first);
  const { plan } = await planFolder(first, dir);
  const result = await applyPlan(first, plan, { actor: "test", managedBy: RECONCILER });
  const secrets = new Map(result.secrets.map((secret) => [secret.id, secret.value]));
  if (options.passwords) {
    const hash = await hashPassword(options.passwords.password);
    const now = new Date().toISOString();
    for (const user of options.passwords.users) await first.setPassword(user, hash, now);
  }

  for (const [i, port] of ports.entries()) {
    const store = i === 0 ? first : await openStore(databaseUrl);
    if (i > 0) stores.push(store);
    servers.push(
      await startTokenServer({
        store,
        port,
        issuer,
        pollIntervalMs: 100,
        logger: pino({ level: "silent" }),
        ...options.server,
      }),
    );
  }
  return { issuer, servers, stores, secrets };
}
