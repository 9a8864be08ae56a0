/**
 * `scopectl store copy --from SRC --to DST`: moves a whole store between SQLite and PostgreSQL (either
 * way) into an empty target. SRC and DST are what --store takes: a file or a postgres:// URL; URLs with
 * passwords belong in SCOPECTL_STORE_FROM / SCOPECTL_STORE_TO (or PGPASSWORD), not in argv.
 */
import { type Command, Option } from "commander";
import { ScopectlError } from "../../core/errors.ts";
import { copyStore } from "../../store/copy.ts";
import { describeStoreLocation, parseStoreLocation, type StoreLocation } from "../../store/location.ts";
import { openStore } from "../../store/open.ts";
import type { Store } from "../../store/store.ts";
import { out, table } from "../output.ts";
import { refuseMissingStore, storeLocation } from "../reconcile.ts";

interface CopyOptions {
  from?: string;
  to?: string;
}

function locationOf(command: Command, name: "from" | "to", env: string): StoreLocation {
  const value = command.getOptionValue(name) as string | undefined;
  if (!value) {
    throw new ScopectlError(
      "option.invalid",
      `--${name} (or ${env}) must name a store: a file or a postgres:// URL`,
    );
  }
  // storeLocation warns about a password given in argv; from the environment it is read as is.
  return command.getOptionValueSource(name) === "cli"
    ? storeLocation({ store: value })
    : parseStoreLocation(value, process.cwd());
}

const sameStore = (a: StoreLocation, b: StoreLocation): boolean =>
  a.kind === b.kind && describeStoreLocation(a) === describeStoreLocation(b);

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
      new Option("--from <file|url>", "the store to copy: an SQLite file or a postgres:// URL").env(
        "SCOPECTL_STORE_FROM",
      ),
    )
    .addOption(
      new Option(
        "--to <file|url>",
        "the empty store to copy into: an SQLite file (created) or a postgres:// URL",
      ).env("SCOPECTL_STORE_TO"),
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
    .action(async (_options: CopyOptions, command: Command) => {
      const from = locationOf(command, "from", "SCOPECTL_STORE_FROM");
      const to = locationOf(command, "to", "SCOPECTL_STORE_TO");
      if (sameStore(from, to)) {
        throw new ScopectlError("option.invalid", "--from and --to name the same store");
      }
      if (from.kind === "sqlite") {
        refuseMissingStore({ store: from.file }, (file) => `there is no store at ${file} to copy (--from)`);
      }
      const opened: Store[] = [];
      try {
        const source = await openStore(from);
        opened.push(source);
        const target = await openStore(to);
        opened.push(target);
        const result = await copyStore(source, target);
        out(`copied ${source.description} → ${target.description} at revision ${result.revision}`);
        for (const line of table(Object.entries(result.counts).map(([part, n]) => [part, String(n)])))
          out(`  ${line}`);
        out("read back and compared: the copy holds every row of the source.");
      } finally {
        await Promise.all(opened.map((s) => s.close()));
      }
    });
}
