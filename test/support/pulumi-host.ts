/**
 * Drives the dynamic-provider host that ships in @pulumi/pulumi the way the Pulumi engine does, without
 * the engine (docs/architecture.md#pulumis-shim): start `cmd/dynamic-provider/index.js` (it prints its gRPC port on the first
 * line of stdout and never dials the engine address it is given), then call Configure, Check, Diff,
 * Create, Read, Update and Delete with the generated gRPC client and protobuf messages of the same
 * package. Properties travel as plain JSON Structs, and each carries `__provider`, the serialized
 * provider text the host loads with require-from-string, resolving requires from its working folder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { REPO_ROOT } from "./cli.ts";

const pulumiRequire = createRequire(path.join(REPO_ROOT, "node_modules/@pulumi/pulumi/package.json"));
// The host's own copies of grpc and protobuf: messages must come from the classes its service uses.
const grpc = pulumiRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const structproto = pulumiRequire("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): { toJavaScript(): Record<string, unknown> } };
};
// biome-ignore lint/suspicious/noExplicitAny: generated protobuf classes without usable types here
const provproto = pulumiRequire("./proto/provider_pb") as Record<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: generated gRPC client constructor
const provrpc = pulumiRequire("./proto/provider_grpc_pb") as Record<string, any>;
const HOST = pulumiRequire.resolve("./cmd/dynamic-provider/index.js");

export type Props = Record<string, unknown>;

export interface DiffAnswer {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export interface DynamicProviderHost {
  check(
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  diff(urn: string, id: string, olds: Props, news: Props): Promise<DiffAnswer>;
  create(urn: string, properties: Props): Promise<{ id: string; properties: Props }>;
  read(urn: string, id: string, properties: Props): Promise<{ id: string; properties: Props }>;
  update(urn: string, id: string, olds: Props, news: Props): Promise<Props>;
  delete(urn: string, id: string, properties: Props): Promise<void>;
  /** What the host wrote to stderr so far (its errors and stacks). */
  stderr(): string;
  close(): Promise<void>;
}

const struct = (value: Props) => structproto.Struct.fromJavaScript(value);

/** Starts the host in `cwd` (where `pulumi up` would run it: the project's root). */
export async function startDynamicProviderHost(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<DynamicProviderHost> {
  const child: ChildProcess = spawn(process.execPath, [HOST, "127.0.0.1:1"], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (chunk) => {
    errors += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the host printed no port: ${errors}`)), 30_000);
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const line = /^(\d+)\s*$/m.exec(out);
      if (line) {
        clearTimeout(timer);
        resolve(Number(line[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`the host exited (${code}): ${errors}`)));
  });
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      // A deadline, so that a host that never answers fails the test instead of hanging it.
      client[method](
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + 30_000 },
        (error: Error | null, response: T) => (error ? reject(error) : resolve(response)),
      );
    });

  const configure = new provproto.ConfigureRequest();
  configure.setAcceptsecrets(false);
  configure.setArgs(struct({}));
  await call("configure", configure);

  // biome-ignore lint/suspicious/noExplicitAny: generated protobuf request classes
  const withUrn = (message: any, urn: string): any => {
    message.setUrn(urn);
    const [, , , , type = "", name = ""] = urn.split("::");
    message.setType?.(type);
    message.setName?.(name);
    return message;
  };

  return {
    async check(urn, olds, news) {
      const request = withUrn(new provproto.CheckRequest(), urn);
      request.setOlds(struct(olds));
      request.setNews(struct(news));
      // biome-ignore lint/suspicious/noExplicitAny: protobuf response
      const response = await call<any>("check", request);
      return {
        inputs: response.getInputs()?.toJavaScript() ?? {},
        failures: response
          .getFailuresList()
          // biome-ignore lint/suspicious/noExplicitAny: protobuf list items
          .map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(urn, id, olds, news) {
      const request = withUrn(new provproto.DiffRequest(), urn);
      request.setId(id);
      request.setOlds(struct(olds));
      request.setNews(struct(news));
      // biome-ignore lint/suspicious/noExplicitAny: protobuf response
      const response = await call<any>("diff", request);
      const changes = response.getChanges();
      const kinds = provproto.DiffResponse.DiffChanges;
      return {
        changes: changes === kinds.DIFF_NONE ? "none" : changes === kinds.DIFF_SOME ? "some" : "unknown",
        replaces: response.getReplacesList(),
        deleteBeforeReplace: response.getDeletebeforereplace(),
      };
    },
    async create(urn, properties) {
      const request = withUrn(new provproto.CreateRequest(), urn);
      request.setProperties(struct(properties));
      // biome-ignore lint/suspicious/noExplicitAny: protobuf response
      const response = await call<any>("create", request);
      return { id: response.getId(), properties: response.getProperties()?.toJavaScript() ?? {} };
    },
    async read(urn, id, properties) {
      const request = withUrn(new provproto.ReadRequest(), urn);
      request.setId(id);
      request.setProperties(struct(properties));
      // biome-ignore lint/suspicious/noExplicitAny: protobuf response
      const response = await call<any>("read", request);
      return { id: response.getId(), properties: response.getProperties()?.toJavaScript() ?? {} };
    },
    async update(urn, id, olds, news) {
      const request = withUrn(new provproto.UpdateRequest(), urn);
      request.setId(id);
      request.setOlds(struct(olds));
      request.setNews(struct(news));
      // biome-ignore lint/suspicious/noExplicitAny: protobuf response
      const response = await call<any>("update", request);
      return response.getProperties()?.toJavaScript() ?? {};
    },
    async delete(urn, id, properties) {
      const request = withUrn(new provproto.DeleteRequest(), urn);
      request.setId(id);
      request.setProperties(struct(properties));
      await call("delete", request);
    },
    stderr: () => errors,
    close: async () => {
      client.close();
      // Idempotent: a host killed by a signal has a signalCode and no exitCode, and exits only once.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A URN as the engine writes it, for a dynamic resource of `type` named `name`. */
export const urnOf = (type: string, name: string, stack = "dev", project = "scopectl") =>
  `urn:pulumi:${stack}::${project}::pulumi-nodejs:dynamic:Resource$${type}::${name}`;
