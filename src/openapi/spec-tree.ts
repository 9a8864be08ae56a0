/**
 * A spec document to write values into and print again, for `scopectl openapi annotate`: either the
 * spec's own YAML text edited through the `yaml` package's Document API (comments, key order, quoting
 * and flow style survive), or a plain value (a JSON spec, or a bundled one) edited copy-on-write, so
 * that the value it started from, which may share objects between places, is never changed.
 */
import { Document, isAlias, isMap, type Node, parseDocument, visit, YAMLMap } from "yaml";
import type { SpecFormat } from "./files.ts";
import { MAX_YAML_ALIAS_COUNT } from "./source.ts";

export interface SpecTree {
  /** Whether the mapping at `path` has a `$ref` key (a path item that is a reference). */
  isRef(path: readonly string[]): boolean;
  /** Sets `value` at `path`: an existing key keeps its place, a new one goes last; missing maps are made. */
  set(path: readonly string[], value: unknown): void;
  /** The document as text in `format`. */
  print(format: SpecFormat): string;
}

/** No folding of long lines (yaml's default folds at 80 columns), so unchanged lines stay as they were. */
const YAML_PRINT = { lineWidth: 0 } as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Edits the YAML text itself. `text` must be the text the loader parsed (and accepted). */
export function yamlTree(text: string): SpecTree {
  // As the loader parses it (source.ts), so the keys found here are the keys it saw.
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (!isMap(doc.contents)) throw new TypeError("yamlTree: the document is not a mapping");
  const root = doc.contents;

  /**
   * The node at `key` of `map`, where an alias is replaced by a copy of what it points to: a value
   * written through an alias would change every place that shares it (two paths sharing an operation
   * need two different scopes).
   */
  const ownChild = (map: YAMLMap, key: string): unknown => {
    const child = map.get(key, true);
    if (!isAlias(child)) return child;
    const copy = child.resolve(doc)?.clone() as Node | undefined;
    // The copy defines no anchors: aliases after it still mean the originals, which hold the same.
    if (copy) {
      visit(copy, {
        Node(_, node) {
          if (!isAlias(node)) delete (node as { anchor?: string }).anchor;
        },
      });
    }
    map.set(key, copy);
    return copy;
  };

  /** The mapping at `path`, made where it is missing. */
  const mapAt = (path: readonly string[]): YAMLMap => {
    let map: YAMLMap = root;
    for (const key of path) {
      let child = ownChild(map, key);
      if (!isMap(child)) {
        // Missing, or empty (`components:` with nothing under it): a new block mapping.
        child = new YAMLMap();
        map.set(key, child);
      }
      map = child as YAMLMap;
    }
    return map;
  };

  return {
    isRef(path) {
      let node: unknown = root;
      for (const key of path) {
        if (!isMap(node)) return false;
        node = node.get(key, true);
        if (isAlias(node)) node = node.resolve(doc);
      }
      return isMap(node) && node.has("$ref");
    },
    set(path, value) {
      const map = mapAt(path.slice(0, -1));
      map.set(path[path.length - 1], doc.createNode(value, { aliasDuplicateObjects: false }));
    },
    print(format) {
      if (format === "yaml") return doc.toString(YAML_PRINT);
      return `${JSON.stringify(doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }), null, 2)}\n`;
    },
  };
}

/**
 * The indentation a JSON text uses (its first indented key), so the copy looks like the original; none
 * for a minified file, two spaces when nothing tells.
 */
export function jsonIndentOf(text: string | undefined): string | undefined {
  if (text === undefined) return "  ";
  const indented = /\n([ \t]+)"/.exec(text);
  if (indented) return indented[1];
  return text.trim().includes("\n") ? "  " : undefined;
}

/**
 * Edits a plain value without changing it: every object on the way to a write is copied once (then
 * owned, and written in place), so a 20 MB spec is not copied whole and objects it shares between
 * places stay untouched. `jsonText`: the JSON text the value came from, for its indentation.
 */
export function plainTree(value: Record<string, unknown>, jsonText?: string): SpecTree {
  const owned = new WeakSet<object>();
  const own = (obj: Record<string, unknown>): Record<string, unknown> => {
    if (owned.has(obj)) return obj;
    const copy = { ...obj };
    owned.add(copy);
    return copy;
  };
  let root = own(value);

  return {
    isRef(path) {
      let node: unknown = root;
      for (const key of path) node = isRecord(node) ? node[key] : undefined;
      return isRecord(node) && "$ref" in node;
    },
    set(path, newValue) {
      root = own(root);
      let map = root;
      for (const key of path.slice(0, -1)) {
        const child = map[key];
        const next = isRecord(child) ? own(child) : own({});
        map[key] = next;
        map = next;
      }
      map[path[path.length - 1] as string] = newValue;
    },
    print(format) {
      if (format === "json") return `${JSON.stringify(root, null, jsonIndentOf(jsonText))}\n`;
      return new Document(root, { aliasDuplicateObjects: false }).toString(YAML_PRINT);
    },
  };
}
