/**
 * A git "smart HTTP" server on loopback for tests that need credentials to reach git: git's own
 * `git http-backend` (CGI) behind a Node HTTP server that demands HTTP Basic authentication, serving the
 * bare repositories under `root`. It records the user names it saw, never the passwords.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { TestContext } from "node:test";

export interface GitHttpServer {
  /** `http://127.0.0.1:PORT`; a repository is `${url}/${name}.git`. */
  url: string;
  /** The user names of the requests that authenticated. */
  users: string[];
  /** Requests refused for missing or wrong credentials. */
  refused: number;
}

function credentialsOf(req: IncomingMessage): { user: string; password: string } | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith("Basic ")) return undefined;
  const text = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Runs one request through `git http-backend` and copies its CGI answer to `res`. */
function cgi(root: string, req: IncomingMessage, res: ServerResponse, user: string): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: user,
    REMOTE_ADDR: "127.0.0.1",
    ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
    ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
  };
  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "ignore"] });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.write(head.subarray(end + 4));
  });
  child.on("close", () => res.end());
  child.on("error", () => {
    res.statusCode = 500;
    res.end();
  });
}

/** Serves the bare repositories under `root` to requests with user `user` and password `password`. */
export async function gitHttpServer(
  t: TestContext,
  root: string,
  credentials: { user: string; password: string },
): Promise<GitHttpServer> {
  const state: GitHttpServer = { url: "", users: [], refused: 0 };
  const server = createServer((req, res) => {
    const given = credentialsOf(req);
    if (given?.user !== credentials.user || given.password !== credentials.password) {
      state.refused++;
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="scopectl test"' }).end();
      return;
    }
    state.users.push(given.user);
    cgi(path.resolve(root), req, res, given.user);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
