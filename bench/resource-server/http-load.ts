/**
 * The HTTP half of bench/resource-server: one http-server.ts process per mode, all listening at once
 * (an idle one costs nothing), each loaded in turn by autocannon in a process of its own (GET of the
 * measured request with the token), with the server's CPU time per request read from /proc around the
 * load (bench/token/harness.ts's `measured`), which shared machines disturb less than rates.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  AUTOCANNON,
  CONNECTIONS,
  freePort,
  type Load,
  loadOf,
  measured,
  stop,
  TSX,
} from "../token/harness.ts";
import { REQUEST_PATH } from "./tokens.ts";

export type ServerMode = "express" | "baseline" | "middleware";

const serverScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "http-server.ts");

/** Resolves once the server printed its `listening` line; rejects if it exits first. */
function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.includes("listening")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`http-server.ts exited (${code}) before listening`)));
  });
}

/** The server answers the token with 200 and (when it checks tokens) a missing token with 401. */
async function checkAnswers(url: string, mode: ServerMode, token: string): Promise<void> {
  const allowed = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await allowed.arrayBuffer();
  if (allowed.status !== 200) throw new Error(`${mode}: the token got ${allowed.status}, not 200`);
  if (mode === "express") return;
  const refused = await fetch(url);
  await refused.arrayBuffer();
  if (refused.status !== 401) throw new Error(`${mode}: no token got ${refused.status}, not 401`);
}

function autocannon(url: string, token: string, seconds: number): Load & { requests: number } {
  const args = [AUTOCANNON, "-c", String(CONNECTIONS), "-d", String(seconds)];
  args.push("-H", `authorization=Bearer ${token}`, "--json", url);
  const out = execFileSync(process.execPath, args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return loadOf(out);
}

export interface Server {
  mode: ServerMode;
  url: string;
  pid: number | undefined;
}

/**
 * One server per mode, all started before `fn` runs and stopped after it: each is checked (the token gets
 * a 200, no token a 401) and warmed up with `warmUp` seconds of load before `fn` gets them.
 */
export async function withServers<T>(
  modes: readonly ServerMode[],
  options: { jwksFile: string; token: string; warmUp: number },
  fn: (servers: Server[]) => Promise<T>,
): Promise<T> {
  const children: ChildProcess[] = [];
  try {
    const servers: Server[] = [];
    for (const mode of modes) {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [
          // e.g. BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": where the servers' time goes.
          ...(process.env.BENCH_SERVE_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
          "--import",
          TSX,
          serverScript,
          mode,
          String(port),
          options.jwksFile,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      children.push(child);
      await listening(child);
      const url = `http://127.0.0.1:${port}${REQUEST_PATH}`;
      await checkAnswers(url, mode, options.token);
      servers.push({ mode, url, pid: child.pid });
    }
    for (const server of servers) autocannon(server.url, options.token, options.warmUp);
    return await fn(servers);
  } finally {
    await Promise.all(children.filter((c) => c.exitCode === null).map(stop));
  }
}

/** `seconds` of load on one server, with its CPU time per request; any answer but a 2xx fails. */
export function loadOnce(server: Server, token: string, seconds: number): Load {
  const result = measured(server.pid, () => autocannon(server.url, token, seconds));
  if (result.errors > 0) throw new Error(`${server.mode}: ${result.errors} answers were not 2xx`);
  return result;
}
