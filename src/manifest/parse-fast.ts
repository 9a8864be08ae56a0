/**
 * The fast path of parse.ts: a manifest file read by js-yaml (core/yaml-fast-load.ts) when it is sure to
 * give the same documents as the careful parse. Positions are the one thing js-yaml does not keep as we
 * need them: each document's start comes from the parser's offsets, and any other field's position is
 * answered by parsing the file carefully the first time one is asked for, which happens only when a
 * later stage reports a problem in that file.
 */
import { fastLoadAll } from "../core/yaml-fast-load.ts";
import type { FieldPath, LocateTarget, ParsedDocument, Place } from "./documents.ts";

type Origin = Omit<Place, "line" | "column">;
type Locate = (path: FieldPath, at?: LocateTarget) => Place;

export interface FastParsed {
  role: "manifest" | "spec";
  documents: ParsedDocument[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The file's documents, or undefined when the careful parse must read it: js-yaml declined, the file
 * has no document (the careful parse words why), or a document is not a map (an error for a manifest,
 * and a block scalar's start is placed differently by the two parsers).
 *
 * `carefulLocators`: the careful parse's `locate` of each non-empty document, in order; called at most
 * once, on the first position asked for.
 */
export function parseFast(
  text: string,
  origin: Origin,
  carefulLocators: () => readonly Locate[],
): FastParsed | undefined {
  const fast = fastLoadAll(text);
  if (!fast.ok) return undefined;
  const kept: { value: Record<string, unknown>; index: number; place: Place }[] = [];
  for (const [index, value] of fast.documents.entries()) {
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value)) return undefined;
    const at = fast.positions[index];
    if (!at || (fast.starts[index] ?? -1) < 0) return undefined; // no start known: place it carefully
    kept.push({ value, index, place: { ...origin, line: at.line, column: at.column } });
  }
  if (kept.length === 0) return undefined;

  // parse.ts's rule for a spec file (one document, `openapi` or `swagger`, neither apiVersion nor kind).
  const only = kept.length === 1 ? kept[0]?.value : undefined;
  if (
    only &&
    (Object.hasOwn(only, "openapi") || Object.hasOwn(only, "swagger")) &&
    !Object.hasOwn(only, "apiVersion") &&
    !Object.hasOwn(only, "kind")
  )
    return { role: "spec", documents: [] };

  let locators: readonly Locate[] | undefined;
  const documents = kept.map(({ value, index, place }, k): ParsedDocument => {
    return {
      value,
      place,
      index,
      locate(path, at) {
        if (at === "file") return { ...origin };
        if (path.length === 0) return place;
        locators ??= carefulLocators();
        return locators[k]?.(path, at) ?? place;
      },
    };
  });
  return { role: "manifest", documents };
}
