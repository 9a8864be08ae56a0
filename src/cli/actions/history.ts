/**
 * The work of `scopectl history`: the store's revisions with their commits, and the OpenAPI import history
 * with logs. Declared in ../commands/history.ts, which loads this module only when the command runs.
 */
import { ScopectlError } from "../../core/errors.ts";
import type { ImportLogItem, ImportRecord } from "../../store/resources.ts";
import type { HistoryOptions } from "../commands/history.ts";
import { withExistingStore } from "../existing-store.ts";
import { colors, out, table } from "../output.ts";

function logCounts(log: readonly ImportLogItem[]): string {
  const counts = new Map<string, number>();
  for (const item of log) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  return ["created", "duplicate", "skipped-reserved", "removed"]
    .map((a) => `${counts.get(a) ?? 0} ${a}`)
    .join(", ");
}

function logLine(item: ImportLogItem): string {
  if (item.action === "removed") return `removed    ${item.scope}`;
  const operation = `${item.method.toUpperCase()} ${item.path}`;
  if (item.action === "duplicate") {
    const of =
      "manual" in item.duplicateOf
        ? "a manual scope"
        : `${item.duplicateOf.method.toUpperCase()} ${item.duplicateOf.path}`;
    return `duplicate  ${item.scope}  (${operation}; already held by ${of})`;
  }
  return `${item.action.padEnd(10)} ${item.scope}  (${operation})`;
}

function printImport(record: ImportRecord, withLog: boolean): void {
  out(
    `  #${record.id}  ${record.time}  ${record.action.padEnd(7)} ${record.source} → ${record.api}  ${record.file.path} (sha256 ${record.file.sha256.slice(0, 12)}, ${record.file.size} bytes)  r${record.revision}${record.commit ? ` ${record.commit.slice(0, 12)}` : ""}`,
  );
  out(`        ${logCounts(record.log)}`);
  if (withLog) for (const item of record.log) out(`        ${logLine(item)}`);
}

export async function printHistory(options: HistoryOptions): Promise<void> {
  await withExistingStore(options, async (store) => {
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new ScopectlError(
        "option.invalid",
        `--limit must be a positive whole number, not "${options.limit}"`,
      );
    const [revisions, imports] = await Promise.all([store.revisions(limit), store.imports()]);
    if (options.import !== undefined) {
      const record = imports.find((r) => String(r.id) === options.import);
      if (!record)
        throw new ScopectlError(
          "store.not-found",
          `no import #${options.import}; \`scopectl history\` lists them`,
        );
      if (options.json) return out(JSON.stringify(record, null, 2));
      return printImport(record, true);
    }
    if (options.json) return out(JSON.stringify({ revisions, imports }, null, 2));
    out(colors.bold("Revisions"));
    if (revisions.length === 0) out("  none: nothing has been applied to this store");
    const rows = revisions.map((r) => [
      `  r${r.revision}`,
      r.time,
      r.actor,
      r.commit
        ? `${r.commit.sha.slice(0, 12)}${r.commit.dirty ? "+dirty" : ""} ${r.commit.subject}`
        : "(no commit)",
      Object.entries(r.summary)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(", "),
    ]);
    for (const line of table(rows)) out(line);
    out();
    out(colors.bold("OpenAPI imports"));
    if (imports.length === 0) out("  none");
    for (const record of imports) printImport(record, false);
  });
}
