/**
 * Just enough Markdown for checking the docs' links: the links of a file (inline and reference
 * definitions, outside code) and the anchors its headings get on GitHub. Not a Markdown parser: the docs
 * use ATX headings (`## Title`) and inline links, and that is what this reads.
 */

export interface MarkdownLink {
  /** The link target as written, e.g. `docs/tokens.md#introspection` or `https://…`. */
  target: string;
  /** 1-based line of the link in its file. */
  line: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;
const CODE_SPAN = /(`+)[\s\S]*?\1/g;
const INLINE_LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/;

/** The lines of `text` that are not inside a fenced code block, with their 1-based numbers. */
function proseLines(text: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let fence: string | undefined;
  text.split("\n").forEach((line, index) => {
    const opening = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      // A fence closes with the same character, at least as long as the one that opened it.
      if (opening?.startsWith(fence[0] as string) && opening.length >= fence.length) fence = undefined;
      return;
    }
    if (opening !== undefined) {
      fence = opening;
      return;
    }
    lines.push({ text: line, line: index + 1 });
  });
  return lines;
}

/** Every link target of the file's prose: `[text](target)` and `[label]: target`. */
export function markdownLinks(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { text: raw, line } of proseLines(text)) {
    const definition = REFERENCE_DEFINITION.exec(raw);
    if (definition) {
      links.push({ target: definition[1] as string, line });
      continue;
    }
    // Code spans hold examples, not links; removing them keeps `[`code`](target)` a link.
    const prose = raw.replace(CODE_SPAN, "");
    for (const match of prose.matchAll(INLINE_LINK)) links.push({ target: match[1] as string, line });
  }
  return links;
}

/**
 * The anchor GitHub gives a heading (github-slugger's rule): the text as rendered, lowercased, with
 * everything but letters, digits, marks, `_`, `-` and spaces removed, and each space made a `-`.
 */
export function githubSlug(headingText: string): string {
  const rendered = headingText
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/`/g, "")
    .replace(/\*\*?|~~/g, "") // emphasis markers
    .replace(/<[^>]+>/g, ""); // inline HTML tags
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of every heading of the file, repeated headings numbered as GitHub does (`-1`, `-2`). */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: line } of proseLines(text)) {
    const heading = HEADING.exec(line);
    if (!heading) continue;
    const slug = githubSlug(heading[1] as string);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}
