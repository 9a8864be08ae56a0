/**
 * Telling an OpenAPI spec from a manifest without parsing it: the manifest reader must leave a spec to
 * the OpenAPI import (which parses it once, with the 20 MB spec limit), and a full YAML parse of a large
 * spec only to learn that it is one would double the cost of every plan.
 *
 * The rule (parse.ts applies it exactly): a file is a spec only if it holds exactly one YAML document,
 * with a top-level `openapi` or `swagger` key and neither `apiVersion` nor `kind`. The sniff reads the
 * lines that start at column 0, which in a block-style document are its top-level keys, and says "spec"
 * only when it is sure: every such line is a plain key, one is `openapi:`/`swagger:`, none is
 * `apiVersion:`/`kind:`, and no second document follows. Anything else (another document, a flow-style
 * `{...}` document, JSON, an anchored, tagged or complex key, a scalar continued at column 0) is left to
 * the manifest reader, which parses it and applies the exact rule: a wrong "spec" would drop manifests
 * silently, a wrong "not a spec" only costs a parse.
 */

const SPEC_KEY = /^(?:openapi|swagger|"openapi"|"swagger"|'openapi'|'swagger')[ \t]*:(?:[ \t]|$)/;
const MANIFEST_KEY = /^(?:apiVersion|kind|"apiVersion"|"kind"|'apiVersion'|'kind')[ \t]*:(?:[ \t]|$)/;
/** A plain or simply quoted mapping key at column 0 (what an OpenAPI document's top-level keys are). */
const PLAIN_KEY = /^(?:[A-Za-z_$][\w$.-]*|"[^"\\]*"|'[^']*')[ \t]*:(?:[ \t]|$)/;

/** `---` or `...` on its own (or before a space or a comment): a document boundary. */
function isMarker(line: string): boolean {
  return (
    (line.startsWith("---") || line.startsWith("...")) && (line.length === 3 || /[ \t]/.test(line[3] ?? ""))
  );
}

/** A marker with nothing after it but a comment (`--- !tag`, `--- value` start a document on its line). */
function isBareMarker(line: string): boolean {
  return /^(?:---|\.\.\.)[ \t]*(?:#.*)?\r?$/.test(line);
}

/**
 * True when `text` (the whole file, or its head for a file too large to read as a manifest) is a
 * block-style spec. False means "not known to be a spec", never "known not to be one".
 */
export function looksLikeSpec(text: string): boolean {
  let spec = false;
  let content = false;
  let ended = false;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const first = text.charCodeAt(start);
    // Indented lines, comments and blank lines are never top-level keys: skip them without slicing.
    if (first !== 0x20 && first !== 0x09 && first !== 0x23 && first !== 0x0a && first !== 0x0d) {
      const line = text.slice(start, Math.min(end, start + 64));
      if (isMarker(line)) {
        if (!isBareMarker(text.slice(start, end))) return false;
        // The first document ends here (a `---` before any content only starts it).
        if (content || line.startsWith("...")) ended = true;
      } else if (!line.startsWith("%")) {
        // Content after the first document: a second document, so not a spec.
        if (ended) return false;
        content = true;
        if (MANIFEST_KEY.test(line)) return false;
        if (SPEC_KEY.test(line)) spec = true;
        else if (!PLAIN_KEY.test(line)) return false;
      }
    }
    start = end + 1;
  }
  return spec;
}
