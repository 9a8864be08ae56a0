/**
 * `scopectl up [DIR]`: the one-command start. Applies the manifests of DIR (config/ by default) to the
 * embedded store (uncommitted changes allowed, with a note), prints the client ids, one-time secrets and
 * API keys it created, serves tokens, and applies again whenever a manifest changes. A change that does
 * not validate or apply is reported and changes nothing; the service keeps serving the last good state.
 * The command's work; declared in ../commands/up.ts, which loads this module only when it runs.
 */
import path from "node:path";
import { PlanConflictError } from "../../engine/apply.ts";
import { type EarlierPlans, earlierPlans } from "../../engine/plan-folder.ts";
import { reconcile } from "../../engine/reconcile.ts";
import { summaryLine } from "../../plan/render-words.ts";
import type { OneTimeSecret } from "../../providers/types.ts";
import { openStore } from "../../store/open.ts";
import type { Store } from "../../store/store.ts";
import type { UpOptions } from "../commands/up.ts";
import { coalesce, type FolderWatcher, watchFolder } from "../manifest-watcher.ts";
import { colors, note, out, reportFailure, table, warn } from "../output.ts";
import { storeLocation } from "../reconcile.ts";
import { checkServeOptions, startServing, untilSignal } from "../serving.ts";

interface Reconciled {
  revision?: number;
  secrets: OneTimeSecret[];
}

/**
 * Plans DIR against the store and applies it; throws (changing nothing) on invalid manifests or
 * conflicts. No confirmation and no secrets file: up prints the new secrets itself (printApplications).
 */
async function reconcileDir(store: Store, dir: string, earlier: EarlierPlans): Promise<Reconciled> {
  const result = await reconcile(
    store,
    { folder: dir, ...earlier },
    {
      actor: "scopectl up",
      // Uncommitted changes are applied (up is for trying things out), with a note; a plan refused for
      // its conflicts gets no note, only the refusal.
      review: ({ plan, commit }) => {
        if (plan.conflicts.length === 0 && commit?.dirty)
          note(`note: ${dir} has uncommitted changes; applying them on top of ${commit.sha.slice(0, 12)}`);
      },
    },
  );
  if (result.outcome === "conflicts") throw new PlanConflictError(result.plan);
  // Without blockers, a secrets sink or a confirmation, the only other outcome is "unchanged".
  if (result.outcome !== "applied") return { secrets: [] };
  note(`applied ${dir} (the store is at revision ${result.revision}): ${summaryLine(result.plan)}`);
  return result;
}

async function printApplications(store: Store, secrets: readonly OneTimeSecret[]): Promise<void> {
  const apps = await store.list("Application");
  const secretOf = new Map(secrets.filter((s) => s.kind === "Application").map((s) => [s.id, s.value]));
  out(colors.bold("Applications"));
  const rows = apps.map((app) => {
    const secret = app.props.secret;
    const shown =
      secretOf.get(app.id) ??
      (secret.kind === "env"
        ? `from $${secret.env}`
        : secret.kind === "none"
          ? "(public client)"
          : "(generated earlier; shown once when it was created)");
    return [app.id, app.props.clientId, app.props.type, shown];
  });
  for (const line of table([["NAME", "CLIENT ID", "TYPE", "CLIENT SECRET"], ...rows])) out(`  ${line}`);
  const keys = secrets.filter((s) => s.kind === "ApiKey");
  if (keys.length > 0) {
    out(colors.bold("New API keys (shown once)"));
    for (const key of keys) out(`  ${key.id}: ${key.value}`);
  }
  if (secrets.length > 0) out(colors.yellow("Secrets above are shown once: only their hashes are stored."));
}

/** A first request to try: a client credentials curl for a new m2m secret, and how users sign in. */
async function example(store: Store, issuer: string, secrets: readonly OneTimeSecret[]): Promise<void> {
  const m2m = new Set(
    (await store.list("Application")).filter((a) => a.props.type === "m2m").map((a) => a.id),
  );
  const first = secrets.find((s) => s.kind === "Application" && m2m.has(s.id));
  const users = await store.list("User");
  if (!first && users.length === 0) return;
  out();
  out(colors.bold("Try it:"));
  if (first) {
    out(`  curl -s -u '${first.id}:${first.value}' -d grant_type=client_credentials ${issuer}/oauth2/token`);
  }
  const user = users.find((u) => !u.props.disabled);
  if (user) {
    out(`  users sign in once they have a password: npx scopectl users set-password ${user.props.email}`);
    // The console signs in as one of them (docs/console.md): only when the manifests declare it.
    const consoleApp = (await store.list("Application")).some(
      (a) => !a.props.disabled && a.props.redirectUris.includes(`${issuer}/console/callback`),
    );
    if (consoleApp) out(`  then open the web console: ${issuer}/console`);
  }
}

/**
 * Applies `dir` again after every burst of changes below `root` settles, one apply at a time. A change
 * that does not validate or apply is reported; the service keeps serving the last good state.
 */
async function followChanges(
  store: Store,
  dir: string,
  root: string,
  earlier: EarlierPlans,
): Promise<() => Promise<void>> {
  const applies = coalesce(async () => {
    try {
      const again = await reconcileDir(store, dir, earlier);
      if (again.secrets.length > 0) await printApplications(store, again.secrets);
    } catch (error) {
      reportFailure(error);
      note("the token service keeps serving the last applied state");
    }
  });
  const watcher: FolderWatcher = await watchFolder(root, applies.notify, (error) =>
    warn(`watching ${root}: ${error.message}`),
  );
  return async () => {
    await watcher.close();
    await applies.close();
  };
}

export async function up(dir: string, options: UpOptions): Promise<void> {
  const root = path.resolve(dir);
  const settings = checkServeOptions(options);
  const store = await openStore(storeLocation(options));
  try {
    // Every apply after an edit parses only the files that changed (manifest/cache.ts), and reads the
    // store's rows again only when the revision moved (engine/store-rows.ts).
    const earlier = earlierPlans();
    const first = await reconcileDir(store, dir, earlier);
    await printApplications(store, first.secrets);
    const server = await startServing(store, settings);
    const issuer = server.snapshot().issuer;
    out();
    out(
      `Serving tokens at ${server.url} (issuer ${issuer}); discovery: ${server.url}/.well-known/openid-configuration`,
    );
    await example(store, server.url, first.secrets);
    let stopWatching = async () => {};
    if (options.watch) {
      stopWatching = await followChanges(store, dir, root, earlier);
      out(`Watching ${root} for changes; press Ctrl+C to stop.`);
    }
    await untilSignal(server, () => stopWatching());
  } finally {
    await store.close();
  }
}
