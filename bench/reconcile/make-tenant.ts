/**
 * A large tenant for bench/reconcile, generated deterministically: 50 Apis and 5,000 scopes (half
 * listed by hand, half generated from 25 OpenAPI specs), 500 roles, 20,000 users, 500 applications and
 * 2,000 API keys. `variant: "changed"` is the same tenant with about 1% of it edited.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";

export const SIZES = {
  apis: 50,
  scopesPerApi: 100,
  roles: 500,
  users: 20_000,
  applications: 500,
  apiKeys: 2_000,
};

/** mulberry32: a tiny seeded PRNG, so every run builds the same tenant. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const apiName = (i: number) => `api-${pad(i, 2)}`;
const generated = (i: number) => i >= SIZES.apis / 2;

/** Scope names of Api i: manual `action:resource-n`, or what the spec's operations normalize to. */
function scopeNames(i: number): string[] {
  const names: string[] = [];
  for (let s = 0; s < SIZES.scopesPerApi / 2; s++) {
    names.push(generated(i) ? `get:resources${s}_id` : `read:resource-${s}`);
    names.push(generated(i) ? `put:resources${s}_id` : `write:resource-${s}`);
  }
  return names;
}

function spec(i: number): unknown {
  const paths: Record<string, unknown> = {};
  for (let s = 0; s < SIZES.scopesPerApi / 2; s++) {
    paths[`/resources${s}/{id}`] = {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      get: { summary: `Read resource ${s}`, responses: { "200": { description: "OK" } } },
      put: { operationId: `replaceResource${s}`, responses: { "204": { description: "Replaced" } } },
    };
  }
  return { openapi: "3.0.3", info: { title: `API ${i}`, version: "1.0.0" }, paths };
}

const doc = (kind: string, name: string, spec: unknown) => ({
  apiVersion: "scopectl/v1",
  kind,
  metadata: { name },
  spec,
});
const yamlDocs = (docs: unknown[]) => docs.map((d) => stringify(d)).join("---\n");

export async function writeTenant(dir: string, variant: "base" | "changed"): Promise<void> {
  const random = prng(42);
  const changed = variant === "changed";
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, "specs"), { recursive: true });
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const apis: unknown[] = [];
  for (let i = 0; i < SIZES.apis; i++) {
    const manual = generated(i)
      ? []
      : scopeNames(i).map((name, s) => ({
          name,
          // 1%: a few descriptions change.
          description:
            changed && s === 0 && i < 5 ? `Edited scope ${s} of API ${i}` : `Scope ${s} of API ${i}`,
        }));
    apis.push(
      doc("Api", apiName(i), {
        audience: `https://${apiName(i)}.example.com`,
        displayName: `API ${i}`,
        scopes: manual,
      }),
    );
    if (generated(i)) {
      apis.push(
        doc("OpenApiSource", `${apiName(i)}-spec`, { api: apiName(i), file: `specs/${apiName(i)}.json` }),
      );
      await writeFile(path.join(dir, "specs", `${apiName(i)}.json`), JSON.stringify(spec(i), null, 2));
    }
  }
  await writeFile(path.join(dir, "apis.yaml"), yamlDocs(apis));

  const grant = (count: number) => {
    const grants: Record<string, string[]> = {};
    for (let g = 0; g < count; g++) {
      const i = Math.floor(random() * SIZES.apis);
      grants[apiName(i)] ??= [];
      const list = grants[apiName(i)] as string[];
      const scope = pick(scopeNames(i));
      if (!list.includes(scope)) list.push(scope);
    }
    return grants;
  };

  const roles: unknown[] = [];
  for (let r = 0; r < SIZES.roles; r++) {
    const scopes = grant(10);
    const description = changed && r % 100 === 0 ? `Role ${r}, edited` : `Role ${r}`;
    roles.push(doc("Role", `role-${pad(r, 3)}`, { displayName: `Role ${r}`, description, scopes }));
  }
  await writeFile(path.join(dir, "roles.yaml"), yamlDocs(roles));

  const perFile = 1_000;
  for (let f = 0; f < SIZES.users / perFile; f++) {
    const users: unknown[] = [];
    for (let u = f * perFile; u < (f + 1) * perFile; u++) {
      const roleNames = [`role-${pad(u % SIZES.roles, 3)}`, `role-${pad((u * 7 + 3) % SIZES.roles, 3)}`];
      // 1%: every hundredth user gets a third role.
      if (changed && u % 100 === 0) roleNames.push(`role-${pad((u + 250) % SIZES.roles, 3)}`);
      const spec: Record<string, unknown> = {
        email: `user${u}@example.com`,
        name: `User ${u}`,
        roles: [...new Set(roleNames)],
      };
      if (u % 5 === 0) spec.additionalScopes = grant(2);
      users.push(doc("User", `user-${pad(u, 5)}`, spec));
    }
    await writeFile(path.join(dir, `users-${pad(f, 2)}.yaml`), yamlDocs(users));
  }

  const apps: unknown[] = [];
  for (let a = 0; a < SIZES.applications; a++) {
    const i = a % SIZES.apis;
    const j = (a * 3 + 1) % SIZES.apis;
    const scopes = (k: number) => scopeNames(k).slice(0, changed && a % 100 === 0 ? 6 : 5);
    apps.push(
      doc("Application", `app-${pad(a, 3)}`, {
        type: "m2m",
        apis: { [apiName(i)]: { scopes: scopes(i) }, [apiName(j)]: { scopes: scopes(j) } },
      }),
    );
  }
  await writeFile(path.join(dir, "applications.yaml"), yamlDocs(apps));

  const keys: unknown[] = [];
  for (let k = 0; k < SIZES.apiKeys; k++) {
    // 1%: every hundredth key is removed.
    if (changed && k % 100 === 0) continue;
    const i = k % SIZES.apis;
    keys.push(
      doc("ApiKey", `key-${pad(k, 4)}`, {
        api: apiName(i),
        scopes: scopeNames(i).slice(0, 3),
        owner: `user-${pad(k * 9, 5)}`,
      }),
    );
  }
  await writeFile(path.join(dir, "apikeys.yaml"), yamlDocs(keys));
}
