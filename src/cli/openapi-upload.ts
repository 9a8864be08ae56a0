/**
 * `scopectl openapi upload FILE --api NAME --server URL`: what the command does between its options and
 * the server (upload-client.ts): the local checks of the file (a spec's extension, at most 20 MB before a
 * byte is read, as the server would refuse it anyway), then the import log as `openapi preview` prints
 * it and one line saying what happened. Exit codes: 0 applied or nothing to change, 2 a dry run with
 * changes (EXIT_CHANGES), 1 any error.
 */
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { ScopectlError } from "../core/errors.ts";
import { redactUrls } from "../core/redact.ts";
import { checkAudience } from "../model/uris.ts";
import { specError } from "../openapi/errors.ts";
import { displayPath, formatOf, MAX_SPEC_BYTES } from "../openapi/files.ts";
import { EXIT_CHANGES } from "./exit-codes.ts";
import { describeLogEntry, logCounts } from "./import-log-text.ts";
import { AUDIENCE_ENV } from "./options.ts";
import { colors, out } from "./output.ts";
import { type SpecToUpload, type UploadAnswer, uploadSpec } from "./upload-client.ts";
import { credentialsFromEnv, parseServerUrl } from "./upload-options.ts";

export interface UploadOptions {
  api: string;
  server: string;
  audience?: string;
  dryRun?: boolean;
  timeout: string;
  json?: boolean;
}

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** The spec file, checked as the server would check it, its size before a byte of it is read. */
async function readSpec(file: string): Promise<SpecToUpload> {
  const abs = path.resolve(file);
  const shown = displayPath(process.cwd(), abs);
  const fail = (message: string) => specError(shown, message);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw fail("the spec does not exist");
    throw fail(`the spec cannot be read (${code ?? String(error)})`);
  }
  if (!info.isFile()) throw fail(`the spec is ${info.isDirectory() ? "a directory" : "not a regular file"}`);
  const format = formatOf(abs);
  if (!format) {
    throw fail(
      `the spec must be a .json, .yaml or .yml file, not ${path.extname(abs) || "a file without extension"}`,
    );
  }
  const tooLarge = (size: number) =>
    fail(`the spec is ${megabytes(size)}, over the ${megabytes(MAX_SPEC_BYTES)} limit of an upload`);
  if (info.size > MAX_SPEC_BYTES) throw tooLarge(info.size);
  const handle = await open(abs, "r");
  try {
    // The open file may not be the one checked (replaced, or grown since): check it again, then read.
    const opened = await handle.stat();
    if (!opened.isFile()) throw fail("the spec is not a regular file");
    if (opened.size > MAX_SPEC_BYTES) throw tooLarge(opened.size);
    const bytes = await handle.readFile();
    if (bytes.length > MAX_SPEC_BYTES) throw tooLarge(bytes.length);
    if (bytes.length === 0) throw fail("the spec is empty");
    return { bytes, format, displayPath: shown };
  } finally {
    await handle.close();
  }
}

function timeoutMsOf(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new ScopectlError(
      "option.invalid",
      `--timeout must be a number of seconds from 1 to 3600, not "${value}"`,
    );
  }
  return seconds * 1000;
}

function audienceOf(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  const problem = checkAudience(value);
  if (problem) {
    throw new ScopectlError(
      "option.invalid",
      `--audience (or ${AUDIENCE_ENV}) "${redactUrls(value)}" ${problem}`,
    );
  }
  return value;
}

function printAnswer(answer: UploadAnswer, spec: SpecToUpload): void {
  const record = answer.import;
  const kind = record.action === "replace" ? "replacement" : "first upload";
  out(
    `${colors.bold(spec.displayPath)} → Api "${record.api}" (OpenApiSource "${record.source}"): ${answer.dryRun ? `dry run of a ${kind}` : kind}, ${record.file.size} bytes, sha256 ${record.file.sha256}`,
  );
  out();
  for (const entry of record.log) {
    const line = `  ${describeLogEntry(entry)}`;
    out(
      entry.action === "created" ? line : entry.action === "removed" ? colors.red(line) : colors.yellow(line),
    );
  }
  out();
  out(logCounts(record.log));
  if (!answer.changed) out(colors.green(`No changes: Api "${record.api}" already has this spec.`));
  else if (answer.dryRun)
    out(colors.yellow(`Dry run: this upload would change Api "${record.api}"; nothing was written.`));
  else out(colors.green(`Applied at revision ${record.revision}.`));
}

export async function runUpload(file: string, options: UploadOptions): Promise<void> {
  // Everything local first: a typo fails before the network is touched.
  const server = parseServerUrl(options.server);
  if (options.api.trim() === "")
    throw new ScopectlError("option.invalid", "--api must name an Api, not be empty");
  const target = {
    server,
    api: options.api,
    audience: audienceOf(options.audience),
    dryRun: options.dryRun ?? false,
    timeoutMs: timeoutMsOf(options.timeout),
  };
  const credentials = credentialsFromEnv(process.env);
  const spec = await readSpec(file);
  const { answer } = await uploadSpec(target, credentials, spec);
  if (options.json) out(JSON.stringify(answer, null, 2));
  else printAnswer(answer, spec);
  if (answer.dryRun && answer.changed) process.exitCode = EXIT_CHANGES;
}
