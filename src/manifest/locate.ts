/**
 * Field path → line and column, answered from the YAML node tree (not from the plain data, which has
 * no positions). Aliases are followed, so a value that comes from an anchor is placed at the anchor.
 */
import type { Document, LineCounter, Node, Pair } from "yaml";
import { yaml } from "../core/yaml-careful.ts";
import type { FieldPath, LocateTarget, Place } from "./documents.ts";

type Origin = Omit<Place, "line" | "column">;

/** The key of a map entry as the plain data has it (`toJS` turns scalar keys into strings). */
export function keyString(key: unknown): string | undefined {
  if (yaml().isScalar(key)) return String(key.value);
  return undefined;
}

/** The node an alias points to; anything else unchanged. Bounded, so alias chains cannot loop. */
function follow(doc: Document.Parsed, node: unknown): unknown {
  let current = node;
  for (let i = 0; i < 32 && yaml().isAlias(current); i++) current = current.resolve(doc);
  return current;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** A `key:` with nothing after it has an empty null scalar as value: point at the key instead. */
function isEmptyValue(node: unknown): boolean {
  if (node === null || node === undefined) return true;
  if (!yaml().isScalar(node) || node.value !== null) return false;
  const range = node.range;
  return !range || range[0] === range[1];
}

export function makeLocator(
  doc: Document.Parsed,
  lineCounter: LineCounter,
  origin: Origin,
): (path: FieldPath, at?: LocateTarget) => Place {
  const placeAt = (offset: number | undefined): Place => {
    if (offset === undefined) return { ...origin };
    const { line, col } = lineCounter.linePos(offset);
    return { ...origin, line, column: col };
  };

  return (path, at = "value") => {
    if (at === "file") return { ...origin };
    let node: unknown = follow(doc, doc.contents);
    let best: number | undefined = rangeStart(node);
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (yaml().isMap(node)) {
        const pair = (node.items as Pair[]).find((p) => keyString(p.key) === String(segment));
        if (!pair) break;
        if ((last && at === "key") || isEmptyValue(pair.value)) {
          best = rangeStart(pair.key) ?? best;
          break;
        }
        node = follow(doc, pair.value);
      } else if (yaml().isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        node = follow(doc, item);
      } else {
        break;
      }
      best = rangeStart(node) ?? best;
    }
    return placeAt(best);
  };
}
