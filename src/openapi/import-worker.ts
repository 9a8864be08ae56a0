/**
 * The worker thread of importSpecBytesInWorker (import-in-worker.ts): imports one uploaded spec and
 * posts back the result, or the InputError's diagnostics (a class does not survive the thread
 * boundary; the caller rebuilds it).
 */
import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../model/diagnostics.ts";
import { type ImportBytesOptions, importSpecBytes } from "./index.ts";

interface Job {
  bytes: Uint8Array;
  options: ImportBytesOptions;
}

const { bytes, options } = workerData as Job;
try {
  parentPort?.postMessage({ ok: await importSpecBytes(bytes, options) });
} catch (error) {
  if (error instanceof InputError) parentPort?.postMessage({ input: error.diagnostics });
  else
    parentPort?.postMessage({
      failed: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
}
