/**
 * How an operation becomes a scope name: `{method}:{normalized_path}` (docs/openapi.md, after Kinde's rule).
 * Pure and deterministic: the same (method, path) gives the same name on every machine and every run,
 * because a replacement import matches operations to existing scopes by name alone.
 */
import { createHash } from "node:crypto";
import { MAX_SCOPE_NAME_LENGTH } from "../model/names.ts";
import { HTTP_METHODS, type HttpMethod } from "../model/spec-import.ts";

/** Longest name we generate (the model's scope-name limit). */
export const SCOPE_NAME_MAX_LENGTH = MAX_SCOPE_NAME_LENGTH;
/** A name over the limit keeps its first 55 characters... */
export const CUT_NAME_PREFIX_LENGTH = 55;
/** ...then `_`, then this many hex characters of the SHA-256 of the full (uncut) name: 55 + 1 + 8 = 64. */
export const CUT_NAME_HASH_LENGTH = 8;
/**
 * What a path with no letters or digits (`/`, `/{}`, `/-/`) normalizes to. Kinde does not say; an empty
 * normalized path would give `get:`, which is not a usable name, so we chose a word (docs/openapi.md).
 */
export const ROOT_PATH_NAME = "root";

const METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

const BRACES = /[{}]/g;
/** Every run of characters outside [a-z0-9] (after lowercasing), `/` included. */
const NOT_NAME_CHARACTERS = /[^a-z0-9]+/g;
const EDGE_UNDERSCORES = /^_+|_+$/g;

/**
 * Normalizes an OpenAPI path: lowercase; drop `{` and `}`; each run of other characters outside
 * [a-z0-9] becomes one `_`; trim `_` at both ends; empty becomes `root`. One step per clause of the rule,
 * so the code reads like the rule. Lowercasing is JavaScript's (Unicode) `toLowerCase`, the rule's plain
 * reading; whatever stays outside [a-z0-9] after it becomes `_` like any other character.
 */
export function normalizePath(path: string): string {
  const normalized = path
    .toLowerCase()
    .replace(BRACES, "")
    .replace(NOT_NAME_CHARACTERS, "_")
    .replace(EDGE_UNDERSCORES, "");
  return normalized === "" ? ROOT_PATH_NAME : normalized;
}

/**
 * Cuts a name over 64 characters to its first 55, `_`, and 8 hex characters of the SHA-256 of the whole
 * name. The hash keeps two long names that share their first 55 characters apart, and is stable, so the
 * same operation keeps the same scope from one import to the next.
 */
export function shortenName(fullName: string): string {
  if (fullName.length <= SCOPE_NAME_MAX_LENGTH) return fullName;
  const hash = createHash("sha256").update(fullName, "utf8").digest("hex").slice(0, CUT_NAME_HASH_LENGTH);
  return `${fullName.slice(0, CUT_NAME_PREFIX_LENGTH)}_${hash}`;
}

/**
 * The scope name of one operation: `GET /users/{userId}` → `get:users_userid`. The method must be one of
 * the eight HTTP methods (any case); anything else is a programming error, not user input, since the
 * import only asks for names of the methods it recognized.
 */
export function scopeNameFor(method: string, path: string): string {
  return scopeNameFromNormalized(method, normalizePath(path));
}

/** `scopeNameFor` when the path is already normalized (a path item with several methods: once per path). */
export function scopeNameFromNormalized(method: string, normalizedPath: string): string {
  const lowerMethod = method.toLowerCase();
  if (!METHODS.has(lowerMethod)) {
    throw new TypeError(`scopeNameFor: "${method}" is not one of ${HTTP_METHODS.join(", ")}`);
  }
  return shortenName(`${lowerMethod as HttpMethod}:${normalizedPath}`);
}
