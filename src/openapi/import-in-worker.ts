/**
 * importSpecBytes on a worker thread: parsing and validating a spec of up to 20 MB takes seconds of
 * CPU, which on the token service's own thread would stall every token request meanwhile. One worker
 * per import (the spec's bytes moved, not copied); the result and InputErrors come back as
 * importSpecBytes gives them.
 */
import { Worker } from "node:worker_threads";
import type { Diagnostic } from "../model/diagnostics.ts";
import { InputError } from "../model/diagnostics.ts";
import type { ImportBytesOptions } from "./index.ts";
import type { SpecImport } from "./types.ts";

// The worker is this folder's sibling module, as .ts under tsx (tests, `npm run scopectl`) and as .js
// once built (dist/): the extension is this module's own.
const UNDER_TSX = import.meta.url.endsWith(".ts");
const WORKER_MODULE = new URL(`./import-worker${UNDER_TSX ? ".ts" : ".js"}`, import.meta.url);
// A worker does not inherit tsx's loader hooks: under tsx it registers them first, then loads the module.
const WORKER = UNDER_TSX
  ? new URL(
      `data:text/javascript,${encodeURIComponent(
        `const { register } = await import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}); register(); await import(${JSON.stringify(WORKER_MODULE.href)});`,
      )}`,
    )
  : WORKER_MODULE;

type Answer = { ok: SpecImport } | { input: Diagnostic[] } | { failed: string };

/**
 * One import at a time per process: parsing a 20 MB spec holds several times its size in memory, so
 * concurrent uploads queue here instead of multiplying that (their writes serialize anyway).
 */
let queue: Promise<unknown> = Promise.resolve();

export function importSpecBytesInWorker(bytes: Uint8Array, options: ImportBytesOptions): Promise<SpecImport> {
  const run = queue.then(() => runInWorker(bytes, options));
  queue = run.catch(() => undefined);
  return run;
}

function runInWorker(bytes: Uint8Array, options: ImportBytesOptions): Promise<SpecImport> {
  // A copy that the worker owns: the caller's buffer may be a slice of a pooled allocation.
  const owned = new Uint8Array(bytes);
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, {
      workerData: { bytes: owned, options },
      transferList: [owned.buffer],
    });
    let settled = false;
    worker.once("message", (answer: Answer) => {
      settled = true;
      if ("ok" in answer) resolve(answer.ok);
      else if ("input" in answer) reject(new InputError(answer.input));
      else reject(new Error(`the OpenAPI import worker failed: ${answer.failed}`));
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the OpenAPI import worker exited (code ${code}) without an answer`));
    });
  });
}
