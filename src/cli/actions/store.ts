/**
 * `scopectl store copy --from SRC --to DST`: moves a whole store between SQLite and PostgreSQL (either
 * way) into an empty target. SRC and DST are what --store takes: a file or a postgres:// URL; URLs with
 * passwords belong in SCOPECTL_STORE_FROM / SCOPECTL_STORE_TO (or PGPASSWORD), not in argv. The
 * command's work; declared in ../commands/store.ts, which loads this module only when it runs.
 */
import type { Command } from "commander";
import { ScopectlError } from "../../core/errors.ts";
import { copyStore } from "../../store/copy.ts";
import { describeStoreLocation, parseStoreLocation, type StoreLocation } from "../../store/location.ts";
import { openStore } from "../../store/open.ts";
import type { Store } from "../../store/store.ts";
import { out, table } from "../output.ts";
import { refuseMissingStore, storeLocation } from "../reconcile.ts";

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

/** Copies the store `--from` names into the one `--to` names (`command` holds both, and where each came from). */
export async function copy(command: Command): Promise<void> {
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
}
