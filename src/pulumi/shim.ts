/**
 * The provider object handed to `pulumi.dynamic.Resource`, i.e. the text Pulumi serializes into its
 * state (`__provider`) and the dynamic-provider host runs later, maybe with another scopectl installed.
 *
 * It holds nothing but the kind (a string): no store handle, no secret, no path. Each method loads the
 * implementation by package name at call time (`scopectl/pulumi/provider`, resolved from the host's
 * working directory: the project root under `pulumi up`), so the installed scopectl always runs, and a
 * resource created by an older scopectl is refreshed and deleted by the current one.
 *
 * Serialization rules this module keeps (docs/architecture.md#pulumis-shim): it imports nothing (named imports of Node built-ins
 * in ESM break serialization, and every captured module would be serialized too), and it captures no
 * object but strings. `require` is the host's: the serialized text runs as CommonJS there.
 */

/** The package path of the run-time implementation (package.json `exports`). */
export const IMPLEMENTATION = "scopectl/pulumi/provider";

export function shimProvider(kind: string) {
  // Loaded at call time, never captured as a value (the serializer would inline the module). The
  // host compiles this text with an empty file name, from which Node's package self-reference does not
  // work; a require made for a file in the working directory resolves both `node_modules/scopectl` (a
  // user's project) and the scopectl package itself (its own Pulumi.yaml at the top of the repo).
  const load = () => require("node:module").createRequire(`${process.cwd()}/`)("scopectl/pulumi/provider");
  return {
    check: (olds: unknown, news: unknown) => load().check(kind, olds, news),
    diff: (id: string, olds: unknown, news: unknown) => load().diff(kind, id, olds, news),
    create: (inputs: unknown) => load().create(kind, inputs),
    read: (id: string, props: unknown) => load().read(kind, id, props),
    update: (id: string, olds: unknown, news: unknown) => load().update(kind, id, olds, news),
    delete: (id: string, props: unknown) => load().remove(kind, id, props),
  };
}
