/**
 * The paging and search parameters every list view of `/v1` takes (docs/management-api.md#lists-and-pages):
 * `q` (a case-insensitive substring, at most 200 characters), `offset` (0 and up, default 0) and
 * `limit` (1 to 500, default 50). A bad value, or a parameter given twice, is a 400 naming it: never a
 * guess. A paged answer carries `total` (the matches after `q`), `offset` and `limit`.
 */
import { ManagementRequestError } from "../../engine/management/errors.ts";

export const MAX_QUERY_LENGTH = 200;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface Paging {
  /** Lower-cased; undefined: no `q` given. */
  q: string | undefined;
  offset: number;
  limit: number;
  /** Whether any of the parameters was given (the views that answer everything without them). */
  given: boolean;
}

export interface PagingOptions {
  /** Whether the view takes `q` (the revisions list does not). */
  search: boolean;
}

type Query = Record<string, unknown>;

/** One value of a parameter, or undefined; two values (or a nested one) are refused. */
function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new ManagementRequestError(`the ${name} parameter is given more than once; give it once`);
  }
  return value;
}

function integer(query: Query, name: string, min: number, max: number, fallback: number): number {
  const text = single(query, name);
  if (text === undefined) return fallback;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new ManagementRequestError(
      `the ${name} parameter must be a whole number ${range}, not ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return value;
}

/** Reads `q`, `offset` and `limit` from an Express query (the "simple" parser: repeats are arrays). */
export function parsePaging(query: Query, options: PagingOptions): Paging {
  let q: string | undefined;
  if (options.search) {
    q = single(query, "q");
    if (q !== undefined && q.length > MAX_QUERY_LENGTH) {
      throw new ManagementRequestError(`the q parameter is longer than ${MAX_QUERY_LENGTH} characters`);
    }
  } else if (query.q !== undefined) {
    throw new ManagementRequestError("this view takes no q parameter (only offset and limit)");
  }
  const offset = integer(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
  const limit = integer(query, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
  const given = q !== undefined || query.offset !== undefined || query.limit !== undefined;
  return { q: q?.toLowerCase(), offset, limit, given };
}

/** Whether an item's lower-cased search fields match `q` (everything matches no `q`). */
export function matches(q: string | undefined, fields: readonly string[]): boolean {
  return q === undefined || q === "" || fields.some((field) => field.includes(q));
}

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}

/**
 * The page of `items` (already sorted by name) that match `q` on their `fields` (lower-cased search
 * texts, computed once per snapshot by the caller).
 */
export function pageOf<T>(
  items: readonly T[],
  fields: (item: T) => readonly string[],
  paging: Paging,
): Page<T> {
  const { q, offset, limit } = paging;
  const found = q === undefined || q === "" ? items : items.filter((item) => matches(q, fields(item)));
  return { total: found.length, offset, limit, items: found.slice(offset, offset + limit) };
}
