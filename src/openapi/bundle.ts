/**
 * Specs split over several files: swagger-parser (its json-schema-ref-parser core) follows the `$ref`s to
 * other files and bundles them into the root document, so that validation and generation see one
 * self-contained document with internal `$ref`s only. It is given the document we already parsed, never
 * reads the spec again, never uses the network (`http: false`), and reads other files only through our
 * resolver, which applies every rule the spec itself obeys (inside the root even through symlinks,
 * extension, size budget, text, syntax, `__proto__`, `$ref`s) and records each file it reads.
 * Only used when the spec has external `$ref`s: single-file specs skip it (and its full-document crawl).
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../model/diagnostics.ts";
import { specError } from "./errors.ts";
import { displayPath, MAX_SPEC_BYTES, type ReadBudget, readLimitedFile } from "./files.ts";
import { formatField, parsePointer, resolvePath } from "./pointer.ts";
import { type ExternalRef, scanDocument } from "./refs.ts";
import { decodeText, type ParsedSource, parseSource } from "./source.ts";

interface Referrer extends ExternalRef {
  source: ParsedSource;
}

export interface BundleContext {
  root: string;
  /** Bytes the import may still read (the limit applies to the spec and its files together). */
  budget: ReadBudget;
  /** Absolute paths of the files read so far, in order; the bundler appends to it. */
  filesRead: string[];
}

/** json-schema-ref-parser hands resolvers a path (URL-encoded) or a `file:` URL. */
function urlToPath(url: string): string {
  if (/^file:/i.test(url)) return fileURLToPath(url);
  return decodeURIComponent(url.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
}

function referrerError(referrer: Referrer | undefined, fallbackFile: string, message: string): InputError {
  if (!referrer) return specError(fallbackFile, message);
  return specError(referrer.source.rel, `$ref ${JSON.stringify(referrer.ref)}: ${message}`, {
    position: referrer.source.locate(referrer.at),
    field: formatField(referrer.at),
  });
}

/** Bundles the files `rootRefs` reach into `doc` (mutated in place: no 20 MB copy) and returns it. */
export async function bundleExternalRefs(
  rootSource: ParsedSource,
  rootRefs: readonly ExternalRef[],
  ctx: BundleContext,
): Promise<unknown> {
  const referrers = new Map<string, Referrer[]>();
  const loaded = new Map<string, ParsedSource>();

  /** Every `$ref` into a file must land on something in it: checked as soon as both are known. */
  const checkTarget = (referrer: Referrer, target: ParsedSource) => {
    const hash = referrer.ref.indexOf("#");
    const fragment = hash === -1 ? "" : referrer.ref.slice(hash + 1);
    if (!fragment.startsWith("/")) return;
    const segments = parsePointer(fragment, true);
    if (!segments || !resolvePath(target.value, segments).found) {
      throw referrerError(referrer, rootSource.rel, `points to nothing: ${target.rel} has no such location`);
    }
  };
  const addReferrers = (source: ParsedSource, refs: readonly ExternalRef[]) => {
    for (const ref of refs) {
      const referrer = { ...ref, source };
      const list = referrers.get(ref.file) ?? [];
      list.push(referrer);
      referrers.set(ref.file, list);
      const target = loaded.get(ref.file);
      if (target) checkTarget(referrer, target);
    }
  };
  addReferrers(rootSource, rootRefs);

  // Our own errors thrown inside swagger-parser come back wrapped; keep the first one to rethrow as is.
  let failure: unknown;

  const load = async (url: string): Promise<ParsedSource> => {
    const abs = urlToPath(url);
    const first = referrers.get(abs)?.[0];
    const exists = await stat(abs).then(
      () => true,
      () => false,
    );
    if (!exists) {
      throw referrerError(first, rootSource.rel, `the file ${displayPath(ctx.root, abs)} does not exist`);
    }
    const file = await readLimitedFile(abs, {
      root: ctx.root,
      budget: ctx.budget,
      limitReason: `${MAX_SPEC_BYTES / (1024 * 1024)} MB limit for a spec and the files its $refs read, together`,
      noun: "file referenced by $ref",
    });
    const source = parseSource(file, decodeText(file));
    ctx.filesRead.push(abs);
    loaded.set(abs, source);
    for (const referrer of referrers.get(abs) ?? []) checkTarget(referrer, source);
    addReferrers(source, scanDocument(source, ctx.root).externalRefs);
    return source;
  };

  // Only a spec read from a file can have `$ref`s to other files (refs.ts refuses them in uploaded bytes).
  const rootFile = rootSource.abs;
  if (rootFile === undefined) throw new Error("bundleExternalRefs needs a spec read from a file");
  // Loaded only for a spec that has `$ref`s to other files: most specs do not, and the resource-server
  // library (which loads specs with this loader) should not pull the bundler into every API.
  const { default: SwaggerParser } = await import("@apidevtools/swagger-parser");
  const parser = new SwaggerParser();
  try {
    // `as never`: the option types know neither a parser plugin of our own nor a resolver returning parsed
    // values; both are documented plugin behaviour of json-schema-ref-parser.
    const bundled = await parser.bundle(
      rootFile,
      rootSource.value as never,
      {
        resolve: {
          external: true,
          http: false,
          file: {
            order: 1,
            // Only local paths and file: URLs; anything else finds no resolver and fails (http is off too).
            canRead: (file: { url: string }) => /^file:/i.test(file.url) || path.isAbsolute(file.url),
            read: async (file: { url: string }) => {
              try {
                return await load(file.url);
              } catch (err) {
                failure ??= err;
                throw err;
              }
            },
          },
        },
        parse: {
          json: false,
          yaml: false,
          text: false,
          binary: false,
          // The resolver already parsed (once, with our rules); hand its value over.
          scopectl: {
            order: 1,
            allowEmpty: true,
            canParse: true,
            parse: (file: { data: unknown }) => (file.data as ParsedSource).value,
          },
        },
      } as never,
    );
    return bundled;
  } catch (err) {
    if (failure instanceof InputError) throw failure;
    if (err instanceof InputError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw specError(rootSource.rel, `cannot resolve its $refs: ${message}`);
  }
}
