#!/usr/bin/env node
/**
 * `scopectl`: the command line (program.ts). This entry point loads as little as it can before it knows
 * what to run: `--version` is answered here, as commander would answer it (it prints the version and
 * exits at that option, whatever follows), without loading commander; everything else goes to the
 * program, which loads only the declaration of the command that runs, and that command's work only
 * when it runs (docs/benchmarks.md#cli-start-up).
 */
import { exitQuietlyOnClosedPipes } from "./pipes.ts";
import { VERSION } from "./version.ts";

exitQuietlyOnClosedPipes();
const first = process.argv[2];
if (first === "-V" || first === "--version") process.stdout.write(`${VERSION}\n`);
else await (await import("./program.ts")).run(process.argv);
