/**
 * Field-level diffs between two props objects of one kind. Two jobs beyond comparing:
 *   - output-only fields (made by create: a generated secret's hash, an API key's prefix and hash) are
 *     absent from the desired props and must never read as a change, or every re-plan would show one;
 *   - secrets are masked here, where the diff is made, so that no renderer (text, JSON, Markdown, a
 *     future one) can print a secret or its hash by accident. A hash of a weak secret can be brute
 *     forced, so even "the SHA-256 changed" is said as "changed".
 */
import { isDeepStrictEqual } from "node:util";
import type { ResourceKind, StoredSecret } from "../model/resources.ts";
import { OUTPUT_FIELDS } from "../providers/immutable.ts";
import { compareStrings } from "./desired-resources.ts";
import type { FieldDiff, ResourceProps } from "./types.ts";

export const SENSITIVE = "(sensitive)";

/** Fields that hold secret material (a hash of it) wherever they appear in a kind's props. */
const SENSITIVE_FIELDS: { readonly [K in ResourceKind]?: readonly string[] } = {
  ApiKey: ["sha256"],
};

type Fields = Record<string, unknown>;

function isPlainObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/** How a client secret is described to a reader: where it comes from, never its value or hash. */
export function describeSecret(secret: StoredSecret): string {
  switch (secret.kind) {
    case "env":
      return `${SENSITIVE} from env ${secret.env}`;
    case "generated":
      return `${SENSITIVE} generated on create`;
    case "none":
      return "none (public client)";
  }
}

/** The one diff entry of an application's secret, masked; none when nothing a reader cares about moved. */
function secretDiff(
  before: StoredSecret | undefined,
  after: StoredSecret | undefined,
): FieldDiff | undefined {
  if (before === undefined && after === undefined) return undefined;
  if (before !== undefined && after !== undefined && before.kind === after.kind) {
    // A generated secret's hash is an output of create: the desired side never has one.
    if (before.kind === "generated" || before.kind === "none") return undefined;
    if (before.kind === "env" && after.kind === "env") {
      if (before.env === after.env && before.sha256 === after.sha256) return undefined;
      if (before.env === after.env) {
        return {
          path: "secret",
          before: describeSecret(before),
          after: describeSecret(after),
          sensitive: true,
          note: "changed",
        };
      }
    }
  }
  const diff: FieldDiff = { path: "secret", sensitive: true };
  if (before !== undefined) diff.before = describeSecret(before);
  if (after !== undefined) diff.after = describeSecret(after);
  return diff;
}

function listDiff(path: string, before: string[], after: string[]): FieldDiff | undefined {
  if (isDeepStrictEqual(before, after)) return undefined;
  const had = new Set(before);
  const has = new Set(after);
  const added = after.filter((v) => !had.has(v));
  const removed = before.filter((v) => !has.has(v));
  // Same members, another order (or repeats): nothing added or removed, so show the lists themselves.
  if (added.length === 0 && removed.length === 0) return { path, before, after };
  const diff: FieldDiff = { path };
  if (added.length > 0) diff.added = added;
  if (removed.length > 0) diff.removed = removed;
  return diff;
}

function walk(path: string, before: unknown, after: unknown, sensitive: boolean, out: FieldDiff[]): void {
  if (before === undefined && after === undefined) return;
  // A missing side reads as empty, so a new Api under `apis` shows its fields, not one opaque object.
  if ((before === undefined || isPlainObject(before)) && (after === undefined || isPlainObject(after))) {
    const b = before ?? {};
    const a = after ?? {};
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort(compareStrings);
    for (const key of keys) walk(path ? `${path}.${key}` : key, b[key], a[key], sensitive, out);
    return;
  }
  if (
    !sensitive &&
    (before === undefined || isStringArray(before)) &&
    (after === undefined || isStringArray(after))
  ) {
    const diff = listDiff(path, before ?? [], after ?? []);
    if (diff) out.push(diff);
    return;
  }
  if (isDeepStrictEqual(before, after)) return;
  const diff: FieldDiff = { path };
  if (before !== undefined) diff.before = sensitive ? SENSITIVE : before;
  if (after !== undefined) diff.after = sensitive ? SENSITIVE : after;
  if (sensitive) diff.sensitive = true;
  out.push(diff);
}

export interface DiffOptions {
  /** Top-level fields whose change forces a replacement: their diffs are marked. */
  forcesReplacement?: ReadonlySet<string>;
}

/**
 * The diffs from `before` to `after` (either may be absent: a create diffs from nothing, a delete to
 * nothing), sorted by path, secrets masked, output-only fields ignored unless the desired side sets them.
 */
export function diffProps(
  kind: ResourceKind,
  before: ResourceProps | undefined,
  after: ResourceProps | undefined,
  options: DiffOptions = {},
): FieldDiff[] {
  const b: Fields = { ...((before ?? {}) as unknown as Fields) };
  const a: Fields = { ...((after ?? {}) as unknown as Fields) };
  for (const field of OUTPUT_FIELDS[kind]) {
    if (a[field] === undefined) delete b[field];
  }

  const out: FieldDiff[] = [];
  if (kind === "Application") {
    const secret = secretDiff(b.secret as StoredSecret | undefined, a.secret as StoredSecret | undefined);
    if (secret) out.push(secret);
    delete b.secret;
    delete a.secret;
  }
  const sensitive = new Set(SENSITIVE_FIELDS[kind] ?? []);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort(compareStrings);
  for (const key of keys) walk(key, b[key], a[key], sensitive.has(key), out);

  out.sort((x, y) => compareStrings(x.path, y.path));
  const forces = options.forcesReplacement;
  if (forces && forces.size > 0) {
    for (const diff of out) {
      if (forces.has(diff.path.split(".")[0] ?? diff.path)) diff.forcesReplacement = true;
    }
  }
  return out;
}
