/**
 * One pass over a parsed file that enforces what no parser or validator checks for us:
 *   - no `__proto__` key anywhere (JSON.parse and yaml keep it as an own property, but any later
 *     `Object.assign`, spread or naive merge of that object would turn it into prototype pollution);
 *   - bounded nesting (a 100,000-deep `[[[[…]]]]` parses fine but overflows the recursive validator, and a
 *     YAML alias can make a structure contain itself);
 *   - every `$ref` is either internal (`#/…`, and its target exists in this file) or a relative path to a
 *     file inside the root (none for a spec that arrived as bytes: it must be one document). Any URL
 *     (`http:`, `https:`, `file:`, any scheme, or `//host`) is refused, so an import never touches the
 *     network, and no `$ref` may leave the root folder.
 * Every string-valued `$ref` key counts, wherever it is: that is what every `$ref` resolver does.
 */
import path from "node:path";
import { specError } from "./errors.ts";
import { isInside } from "./files.ts";
import { formatField, type PathSegment, parsePointer, resolvePath } from "./pointer.ts";
import type { ParsedSource } from "./source.ts";

/** Deeper than any real spec (schemas nest a few dozen levels at most), shallow enough for the validator. */
export const MAX_NESTING_DEPTH = 256;

/** A `$ref` to another file, found in `source`. */
export interface ExternalRef {
  /** The `$ref` as written. */
  ref: string;
  /** Absolute path of the referenced file. */
  file: string;
  /** Where the `$ref` is, in the file that holds it. */
  at: PathSegment[];
}

export interface ScanResult {
  externalRefs: ExternalRef[];
}

/** Scheme (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"), or a network-path `//host`. */
const URL_LIKE = /^([a-zA-Z][a-zA-Z0-9+.-]*:|\/\/|\\\\)/;

/**
 * `root` is the folder `$ref`s to other files must stay inside; undefined for a spec that arrived as bytes
 * (an upload), which has no folder around it, so any `$ref` to another file is refused.
 */
export function scanDocument(source: ParsedSource, root: string | undefined): ScanResult {
  const externalRefs: ExternalRef[] = [];
  const checkedInternal = new Map<string, boolean>();
  const trail: PathSegment[] = [];

  const fail = (message: string, at: readonly PathSegment[], key: boolean): never => {
    throw specError(source.rel, message, {
      position: source.locate(at, { key }),
      field: formatField(at),
    });
  };

  const checkRef = (ref: string) => {
    if (ref.startsWith("#")) {
      // Specs repeat the same few internal `$ref`s thousands of times: check each once, allocate nothing.
      let ok = checkedInternal.get(ref);
      if (ok === undefined) {
        // `#/…` is a JSON Pointer; `#name` is a 3.1 `$anchor`, which we leave to the resolver.
        const segments = ref === "#" ? [] : ref.startsWith("#/") ? parsePointer(ref.slice(1), true) : null;
        ok = segments === null ? true : segments !== undefined && resolvePath(source.value, segments).found;
        checkedInternal.set(ref, ok);
      }
      if (!ok) {
        fail(
          `$ref ${JSON.stringify(ref)} points to nothing: this file has no such location`,
          [...trail, "$ref"],
          false,
        );
      }
      return;
    }
    if (ref === "") return; // an empty reference is the document itself, like "#"
    const at = [...trail, "$ref"];
    const shown = JSON.stringify(ref);
    if (URL_LIKE.test(ref)) {
      fail(
        `$ref ${shown} is a URL; scopectl never fetches $refs, so refer to a file inside the root folder by a relative path`,
        at,
        false,
      );
    }
    if (root === undefined || source.abs === undefined) {
      return fail(
        `an uploaded spec is one file: the $ref ${shown} points to another file; bundle the spec into one file before uploading`,
        at,
        false,
      );
    }
    const hash = ref.indexOf("#");
    const filePart = hash === -1 ? ref : ref.slice(0, hash);
    let decoded: string;
    try {
      decoded = decodeURIComponent(filePart);
    } catch {
      return fail(`$ref ${shown} is not a valid reference (bad %-escape)`, at, false);
    }
    const target = path.resolve(path.dirname(source.abs), decoded);
    if (!isInside(root, target)) {
      fail(
        `$ref ${shown} points to ${target}, outside the root folder ${root}; $refs must stay inside it`,
        at,
        false,
      );
    }
    externalRefs.push({ ref, file: target, at });
  };

  const walk = (value: object, depth: number): void => {
    if (depth > MAX_NESTING_DEPTH) {
      const cyclic = source.format === "yaml" && containsItself(source.value, trail);
      fail(
        cyclic
          ? "contains a YAML alias that refers to itself, which makes an endless structure"
          : `nests deeper than ${MAX_NESTING_DEPTH} levels`,
        trail,
        false,
      );
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item !== null && typeof item === "object") {
          trail.push(i);
          walk(item, depth + 1);
          trail.pop();
        }
      }
      return;
    }
    const record = value as Record<string, unknown>;
    // for…in rather than Object.keys: no array per object, which matters on a 20 MB document. Parsed
    // objects have only own enumerable keys (and Object.prototype has none), so both see the same keys.
    for (const key in record) {
      const item = record[key];
      if (key === "__proto__") {
        fail('has a "__proto__" key, which scopectl refuses (prototype pollution)', [...trail, key], true);
      }
      if (key === "$ref" && typeof item === "string") checkRef(item);
      if (item !== null && typeof item === "object") {
        trail.push(key);
        walk(item, depth + 1);
        trail.pop();
      }
    }
  };

  if (source.value !== null && typeof source.value === "object") walk(source.value, 0);
  return { externalRefs };
}

/** On the error path only: is the object at the end of `trail` one of its own ancestors? */
function containsItself(root: unknown, trail: readonly PathSegment[]): boolean {
  const seen = new Set<unknown>([root]);
  let current = root;
  for (const segment of trail) {
    current = (current as Record<string | number, unknown>)[segment];
    if (seen.has(current)) return true;
    seen.add(current);
  }
  return false;
}
