/**
 * `scopectl store copy --from SRC --to DST`: moves a whole store between SQLite and PostgreSQL (either
 * way) into an empty target. SRC and DST are what --store takes: a file or a postgres:// URL; URLs with
 * passwords belong in SCOPECTL_STORE_FROM / SCOPECTL_STORE_TO (or PGPASSWORD), not in argv.
 */
import type { Command } from "commander";

export function registerStoreCommand(program: Command): void {
  const store = program
    .command("store")
    .description("the store as a whole: copy it between SQLite and PostgreSQL");
  store
    .command("copy")
    .description(
      "copy every row of a store (resources, revisions, audit, imports, keys, sign-in state) into an empty store",
    )
    .addOption(
      program
        .createOption("--from <file|url>", "the store to copy: an SQLite file or a postgres:// URL")
        .env("SCOPECTL_STORE_FROM"),
    )
    .addOption(
      program
        .createOption(
          "--to <file|url>",
          "the empty store to copy into: an SQLite file (created) or a postgres:// URL",
        )
        .env("SCOPECTL_STORE_TO"),
    )
    .addHelpText(
      "after",
      `
The target must be empty (a new file, or a database with no scopectl rows): a copy never merges. The
source is read in one consistent read and may keep serving meanwhile; writes made to it after that
read are not in the copy, so stop applies (and sign-ins, if they matter) while you switch over. Keys
are copied as stored: a store whose keys are sealed with SCOPECTL_MASTER_KEY needs the same master key
where the copy is served. Afterwards \`scopectl plan --store DST\` shows no change. Examples:
  scopectl store copy --from .scopectl/store.db --to postgres://scopectl@db.internal/scopectl
  SCOPECTL_STORE_FROM=postgres://scopectl:...@db/scopectl scopectl store copy --to backup.db`,
    )
    .action(async (_options: unknown, command: Command) =>
      (await import("../actions/store.ts")).copy(command),
    );
}
