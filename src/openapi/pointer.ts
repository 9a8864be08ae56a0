/**
 * Paths inside a parsed document: JSON Pointers (what `$ref` and ajv speak) and the readable field paths
 * our diagnostics print (`paths["/users/{id}"].get.responses["200"]`).
 */

/** A key of an object, or an index of an array. */
export type PathSegment = string | number;

/**
 * Splits a JSON Pointer (`/a/b~1c`, RFC 6901) into its segments. `#`-fragments are URI-encoded first
 * (`#/paths/~1users~1%7Bid%7D`), so `fromFragment` decodes percent-escapes; returns undefined when the
 * escapes are malformed.
 */
export function parsePointer(pointer: string, fromFragment: boolean): string[] | undefined {
  let text = pointer;
  if (fromFragment) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  if (text === "") return [];
  if (!text.startsWith("/")) return undefined;
  return text
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** `instancePath` of ajv (`/paths/~1users/get`) to segments, array indexes as strings. */
export function pointerSegments(pointer: string): string[] {
  return parsePointer(pointer, false) ?? [];
}

/** The value at `segments` below `value`, or `found: false`. Own properties only. */
export function resolvePath(value: unknown, segments: readonly string[]): { found: boolean; value: unknown } {
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return { found: false, value: undefined };
      const index = Number(segment);
      if (index >= current.length) return { found: false, value: undefined };
      current = current[index];
    } else if (current !== null && typeof current === "object" && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: current };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["paths", "/users", "get"]` → `paths["/users"].get`: short, unambiguous, and easy to read. */
export function formatField(segments: readonly PathSegment[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Turns string segments into numbers where they index an array of `value`, for display and lookup. */
export function typedSegments(value: unknown, segments: readonly string[]): PathSegment[] {
  const out: PathSegment[] = [];
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(segment)) {
      out.push(Number(segment));
      current = current[Number(segment)];
    } else {
      out.push(segment);
      current =
        current !== null && typeof current === "object" && Object.hasOwn(current, segment)
          ? (current as Record<string, unknown>)[segment]
          : undefined;
    }
  }
  return out;
}
