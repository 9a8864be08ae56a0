/**
 * The small tenant of the sync tests (test/gitops/fixtures/tenant: the orders Api, a role, the m2m
 * application `exporter`) and edits of its scopes, for tests that push commits to a GitRemote.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT } from "./cli.ts";
import type { GitRemote } from "./git-remote.ts";

export const SYNC_FIXTURE = path.join(REPO_ROOT, "test/gitops/fixtures/tenant");

const ORDERS_SCOPES = "    - name: read:orders\n      description: Read orders\n";

/** Rewrites config/apis.yaml with exactly these scopes on the orders Api (each described by its name). */
export async function writeOrdersScopes(remote: GitRemote, names: readonly string[]): Promise<void> {
  const text = await readFile(path.join(SYNC_FIXTURE, "apis.yaml"), "utf8");
  if (!text.includes(ORDERS_SCOPES))
    throw new Error("the sync fixture's apis.yaml changed: update sync-tenant.ts");
  await remote.write(
    "apis.yaml",
    text.replace(
      ORDERS_SCOPES,
      names.map((name) => `    - name: ${name}\n      description: ${name}\n`).join(""),
    ),
  );
}
