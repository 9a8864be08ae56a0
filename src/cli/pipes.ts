/**
 * What the CLI does when a reader goes away: apart from output.ts so that the entry point (main.ts) sets
 * it up before loading anything else.
 */

/** Set once stdout's reader has gone (`scopectl history | head -1`): nothing more is written there. */
let closed = false;

export function stdoutClosed(): boolean {
  return closed;
}

const isBrokenPipe = (error: NodeJS.ErrnoException): boolean =>
  error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED";

/**
 * A closed stdout ends the CLI quietly, as SIGPIPE ends a C program: no stack, exit code 0 (or the one
 * already set). A long-running command (up, serve, sync) has a SIGTERM handler; it gets SIGTERM instead,
 * so in-flight requests finish and the store closes. A closed stderr is ignored: there is nowhere left to
 * report anything, and stdout may still be read. Any other stream error is still a crash, as before.
 */
export function exitQuietlyOnClosedPipes(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (!isBrokenPipe(error)) throw error;
    if (closed) return;
    closed = true;
    if (process.listenerCount("SIGTERM") > 0) process.kill(process.pid, "SIGTERM");
    else process.exit(process.exitCode ?? 0);
  });
  process.stderr.on("error", (error: NodeJS.ErrnoException) => {
    if (!isBrokenPipe(error)) throw error;
  });
}
