/**
 * Times on PostgreSQL. The store keeps every time as the ISO 8601 text its caller wrote (the contract,
 * and what a copy to or from SQLite must keep byte for byte); where a statement compares times, it
 * compares a parallel `timestamptz` value computed here from the same text. The text is read by
 * JavaScript's Date.parse, the reading the store's checks (../checks.ts) accept times by, rather than by
 * PostgreSQL's input parser, whose reading of a zone-less or unusual form depends on the session.
 */

/** The instant `value` names, as a UTC ISO string PostgreSQL reads unambiguously into a timestamptz. */
export function instant(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`"${value}" is not a time`);
  return new Date(ms).toISOString();
}
