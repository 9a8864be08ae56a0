/**
 * An OpenAPI path template (`/users/{userId}/files/{name}.{ext}`) as segments, each of which a concrete
 * path segment matches or not. OpenAPI 3.1 §4.8.8 (Paths Object): "When matching URLs, concrete
 * (non-templated) paths would be matched before their templated counterparts", so each segment has a
 * rank: a literal segment first, then a segment mixing text and expressions (more text first), then a
 * segment that is one expression.
 */

export type TemplateSegment =
  | { kind: "literal"; text: string }
  | { kind: "parameter"; name: string }
  | MixedSegment;

/** `{name}.{ext}`: literal pieces around expressions; `pieces.length === names.length + 1`. */
export interface MixedSegment {
  kind: "mixed";
  source: string;
  names: string[];
  pieces: string[];
  /** The pieces lowercased, for a case-insensitive match. */
  foldedPieces: string[];
  literalLength: number;
}

const EXPRESSION = /\{([^{}]*)\}/g;

function segmentOf(source: string): TemplateSegment {
  const whole = /^\{([^{}]*)\}$/.exec(source);
  if (whole) return { kind: "parameter", name: whole[1] ?? "" };
  if (!source.includes("{")) return { kind: "literal", text: source };
  const names: string[] = [];
  const pieces: string[] = [];
  let last = 0;
  for (const match of source.matchAll(EXPRESSION)) {
    pieces.push(source.slice(last, match.index));
    names.push(match[1] ?? "");
    last = match.index + match[0].length;
  }
  pieces.push(source.slice(last));
  return {
    kind: "mixed",
    source,
    names,
    pieces,
    foldedPieces: pieces.map((p) => p.toLowerCase()),
    literalLength: pieces.reduce((n, p) => n + p.length, 0),
  };
}

/**
 * The values of a mixed segment's expressions in `value`, or undefined when it does not match. Each
 * expression holds at least one character; the earlier expressions take as much as they can (the split
 * Express's router makes: `{name}.{ext}` on `a.b.c` is name `a.b`, ext `c`). Linear in the segment's
 * length: each piece is found once, from the right, with lastIndexOf (no regular expression, so no
 * backtracking on a hostile segment). Leaving the most room to the left at each step never loses a
 * match the expressions could make, since an expression takes any characters.
 */
export function matchMixed(segment: MixedSegment, value: string, fold: boolean): string[] | undefined {
  const pieces = fold ? segment.foldedPieces : segment.pieces;
  const text = fold ? value.toLowerCase() : value;
  const last = pieces[pieces.length - 1] ?? "";
  if (!text.endsWith(last)) return undefined;
  const values: string[] = new Array(segment.names.length);
  let end = text.length - last.length; // where the current expression ends (exclusive)
  for (let i = segment.names.length - 1; i >= 1; i--) {
    const piece = pieces[i] ?? "";
    // The piece must end before `end - 1`, so the expression after it keeps at least one character.
    const from = end - 1 - piece.length;
    // lastIndexOf treats a negative start as 0, which would let the piece overlap what follows it.
    const at = from < 0 ? -1 : text.lastIndexOf(piece, from);
    if (at < 0) return undefined;
    values[i] = value.slice(at + piece.length, end);
    end = at;
  }
  const first = pieces[0] ?? "";
  if (end < first.length + 1 || !text.startsWith(first)) return undefined;
  values[0] = value.slice(first.length, end);
  return values;
}

/**
 * The segments of a template: `/a/{b}` → [a, {b}]. The leading `/` starts the first segment; a trailing
 * `/` is an empty last segment, as in a request path, so `/a/` and `/a` are different templates.
 */
export function templateSegments(template: string): TemplateSegment[] {
  const body = template.startsWith("/") ? template.slice(1) : template;
  if (body === "") return [];
  return body.split("/").map(segmentOf);
}

/** The key two templates of the same shape share: `/users/{id}` and `/users/{name}` are one route. */
export function segmentKey(segment: TemplateSegment): string {
  switch (segment.kind) {
    case "literal":
      return `l:${segment.text}`;
    case "parameter":
      return "p";
    case "mixed":
      return `m:${segment.source.replace(EXPRESSION, "{}")}`;
  }
}
