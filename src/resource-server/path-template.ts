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
  | { kind: "mixed"; source: string; names: string[]; literalLength: number; exact: RegExp; folded: RegExp };

const EXPRESSION = /\{([^{}]*)\}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function segmentOf(source: string): TemplateSegment {
  const whole = /^\{([^{}]*)\}$/.exec(source);
  if (whole) return { kind: "parameter", name: whole[1] ?? "" };
  if (!source.includes("{")) return { kind: "literal", text: source };
  const names: string[] = [];
  let pattern = "";
  let literalLength = 0;
  let last = 0;
  for (const match of source.matchAll(EXPRESSION)) {
    const text = source.slice(last, match.index);
    literalLength += text.length;
    // A parameter holds at least one character. The segment was split off before it was decoded, so a
    // `/` in it is an escaped `%2F` of the value, not a separator.
    pattern += `${escapeRegExp(text)}(.+?)`;
    names.push(match[1] ?? "");
    last = match.index + match[0].length;
  }
  const tail = source.slice(last);
  literalLength += tail.length;
  pattern = `^${pattern}${escapeRegExp(tail)}$`;
  return {
    kind: "mixed",
    source,
    names,
    literalLength,
    exact: new RegExp(pattern, "s"),
    folded: new RegExp(pattern, "is"),
  };
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
