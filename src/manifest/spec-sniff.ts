/**
 * Telling an OpenAPI spec from a manifest without parsing it: the manifest reader must leave a spec to
 * the OpenAPI import (which parses it once, with the 20 MB spec limit), and a full YAML parse of a large
 * spec only to learn that it is one would double the cost of every plan.
 *
 * The sniff reads the lines of the first document that start at column 0, which in block-style YAML are
 * its top-level keys: an `openapi:` or `swagger:` key there and no `apiVersion:` or `kind:` key means a
 * spec. Anything else (a flow-style `{...}` document, JSON in a .yaml file) is not decided here: the
 * manifest reader parses it and applies the exact rule (parse.ts, a top-level openapi/swagger key).
 */

const SPEC_KEY = /^(?:openapi|swagger|"openapi"|"swagger"|'openapi'|'swagger')[ \t]*:(?:[ \t]|$)/;
const MANIFEST_KEY = /^(?:apiVersion|kind|"apiVersion"|"kind"|'apiVersion'|'kind')[ \t]*:(?:[ \t]|$)/;

/** `---` or `...` on its own (or before a space or a comment): a document boundary. */
function isMarker(line: string): boolean {
  return (
    (line.startsWith("---") || line.startsWith("...")) && (line.length === 3 || /[ \t]/.test(line[3] ?? ""))
  );
}

/**
 * True when `text` (the whole file, or its head for a file too large to read as a manifest) is a
 * block-style spec. False means "not known to be a spec", never "known not to be one".
 */
export function looksLikeSpec(text: string): boolean {
  let spec = false;
  let content = false;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const first = text.charCodeAt(start);
    // Indented lines, comments and blank lines are never top-level keys: skip them without slicing.
    if (first !== 0x20 && first !== 0x09 && first !== 0x23 && first !== 0x0a && first !== 0x0d) {
      const line = text.slice(start, Math.min(end, start + 64));
      if (isMarker(line)) {
        // The first document ends: its top-level keys are all seen.
        if (content || line.startsWith("...")) break;
      } else if (!line.startsWith("%")) {
        content = true;
        if (MANIFEST_KEY.test(line)) return false;
        if (SPEC_KEY.test(line)) spec = true;
      }
    }
    start = end + 1;
  }
  return spec;
}
