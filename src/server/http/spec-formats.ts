/**
 * What an uploaded spec's media type or file name says about its format, and the name the import gives
 * it: never a path, never a control character (it is printed in every error and kept in the import
 * record).
 */
import { formatOf, type SpecFormat } from "../../openapi/index.ts";

const MEDIA_TYPES: Readonly<Record<string, SpecFormat>> = {
  "application/json": "json",
  "application/yaml": "yaml",
  "application/x-yaml": "yaml",
  "text/yaml": "yaml",
};

/** The format a media type (lower case, without parameters) names, if it is one of ours. */
export function formatOfMediaType(mediaType: string): SpecFormat | undefined {
  return Object.hasOwn(MEDIA_TYPES, mediaType) ? MEDIA_TYPES[mediaType] : undefined;
}

/** The format a file name's extension names (.json, .yaml, .yml, any case), if any. */
export function formatOfFileName(fileName: string | undefined): SpecFormat | undefined {
  const base = baseName(fileName);
  return base === undefined ? undefined : formatOf(base);
}

/** Longest name kept; longer ones are replaced (file systems stop at 255 bytes too). */
const MAX_NAME_LENGTH = 255;

// C0 and C1 control characters, DEL included: a name holding one could rewrite a terminal line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The last segment of a name that may be a client's path (`/` or `\` separated), if it is a usable name. */
function baseName(fileName: string | undefined): string | undefined {
  const base = fileName?.split(/[/\\]/).pop();
  if (base === undefined || base === "" || base.length > MAX_NAME_LENGTH || CONTROL.test(base))
    return undefined;
  return base;
}

/**
 * The name of an uploaded spec: the file's base name when it ends in .json/.yaml/.yml, else
 * `upload.json`/`upload.yaml` (also for a plain body, which has no file name).
 */
export function uploadName(format: SpecFormat, fileName?: string): string {
  const base = baseName(fileName);
  return base !== undefined && formatOf(base) !== undefined ? base : `upload.${format}`;
}
