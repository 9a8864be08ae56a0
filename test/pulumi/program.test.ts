/**
 * The Pulumi program under `pulumi.runtime.setMocks`: for config/ and every example (each overlay too),
 * one dynamic resource per row that `scopectl plan` computes, with the type, name, inputs and
 * dependencies the engine would receive.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import requireFromString from "require-from-string";
import { loadDesiredState } from "../../src/manifest/index.ts";
import type { Resource } from "../../src/model/resources.ts";
import { desiredResources, scopeId } from "../../src/plan/desired-resources.ts";
import { declareManifests } from "../../src/pulumi/program.ts";

const root = path.resolve(import.meta.dirname, "../..");
const FOLDERS = [
  "config",
  "examples/minimal",
  "examples/multi-env/base",
  "examples/multi-env/overlays/staging",
  "examples/multi-env/overlays/production",
];
const STACK = "test";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  urn: string;
  dependencies: string[];
}

// The mock monitor hands `newResource` no dependencies: read them off the RegisterResource request.
const { MockMonitor } = createRequire(import.meta.url)("@pulumi/pulumi/runtime/mocks.js");
const registered = new Map<string, Registered>();
const dependenciesByName = new Map<string, string[]>();
const originalRegister = MockMonitor.prototype.registerResource;
before(() => {
  MockMonitor.prototype.registerResource = function (
    req: { getName(): string; getDependenciesList(): string[] },
    callback: unknown,
  ) {
    dependenciesByName.set(req.getName(), req.getDependenciesList());
    return originalRegister.call(this, req, callback);
  };
});
after(() => {
  MockMonitor.prototype.registerResource = originalRegister;
});

async function runProgram(folder: string, options: { store?: string; takeOver?: boolean } = {}) {
  registered.clear();
  dependenciesByName.clear();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const urn = `urn:pulumi:${STACK}::scopectl::${args.type}::${args.name}`;
        registered.set(`${args.type}::${args.name}`, {
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          urn,
          dependencies: [],
        });
        return { id: args.inputs.resourceId, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "scopectl",
    STACK,
    false,
  );
  const declared = await declareManifests({ manifests: path.join(root, folder), env: {}, ...options });
  const settled = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
  await Promise.all([...declared.resources.values()].map((r) => settled(r.urn)));
  for (const entry of registered.values()) entry.dependencies = dependenciesByName.get(entry.name) ?? [];
  return declared;
}

const typeOf = (kind: string) => `pulumi-nodejs:dynamic/scopectl:${kind}`;
const urnOf = (kind: string, id: string) => `urn:pulumi:${STACK}::scopectl::${typeOf(kind)}::${id}`;

/** What a resource must depend on, written out from the props (independently of dependencies.ts). */
function mustDependOn(resource: Resource): string[] {
  const out: string[] = [];
  const grants = (g: Record<string, string[]>) => {
    for (const [api, scopes] of Object.entries(g)) {
      out.push(urnOf("Api", api));
      for (const s of scopes) out.push(urnOf("Scope", scopeId(api, s)));
    }
  };
  switch (resource.kind) {
    case "Scope":
      out.push(urnOf("Api", resource.props.api));
      if (resource.props.source) out.push(urnOf("OpenApiSource", resource.props.source));
      break;
    case "OpenApiSource":
      out.push(urnOf("Api", resource.props.api));
      break;
    case "Role":
      grants(resource.props.scopes);
      break;
    case "User":
      for (const role of resource.props.roles) out.push(urnOf("Role", role));
      grants(resource.props.additionalScopes);
      break;
    case "Application":
      grants(Object.fromEntries(Object.entries(resource.props.apis).map(([api, a]) => [api, a.scopes])));
      break;
    case "ApiKey":
      grants({ [resource.props.api]: resource.props.scopes });
      if (resource.props.owner) out.push(urnOf("User", resource.props.owner));
      break;
    default:
      break;
  }
  return [...new Set(out)].sort();
}

for (const folder of FOLDERS) {
  describe(`the Pulumi program on ${folder}`, () => {
    let expected: Resource[];
    before(async () => {
      expected = desiredResources(await loadDesiredState(path.join(root, folder)), {});
      await runProgram(folder);
    });

    it("registers one resource per row of the plan, typed by kind and named by id", () => {
      assert.ok(expected.length > 2, "the folder declares something");
      assert.deepEqual(
        [...registered.keys()].sort(),
        expected.map((r) => `${typeOf(r.kind)}::${r.id}`).sort(),
      );
    });

    it("sends the plan's props, the store, the stack and a shim provider as inputs", () => {
      for (const resource of expected) {
        const entry = registered.get(`${typeOf(resource.kind)}::${resource.id}`);
        assert.ok(entry, `${resource.kind} ${resource.id}`);
        assert.equal(entry.inputs.resourceId, resource.id);
        assert.deepEqual(entry.inputs.props, resource.props, `${resource.kind} ${resource.id}`);
        assert.equal(entry.inputs.store, ".scopectl/store.db");
        assert.equal(entry.inputs.stack, STACK);
        assert.equal(entry.inputs.takeOver, false);
        const text = entry.inputs.__provider;
        assert.equal(typeof text, "string");
        assert.ok((text as string).includes(`kind: "${resource.kind}"`), "the shim carries its kind");
        // Run the text as the dynamic-provider host does: it yields a provider with the six methods.
        const provider = requireFromString(text as string).handler();
        for (const method of ["check", "diff", "create", "read", "update", "delete"]) {
          assert.equal(typeof provider[method], "function", method);
        }
      }
    });

    it("makes every resource depend on what it refers to, and on nothing undeclared", () => {
      const urns = new Set([...registered.values()].map((r) => r.urn));
      for (const resource of expected) {
        const entry = registered.get(`${typeOf(resource.kind)}::${resource.id}`);
        assert.ok(entry);
        const deps = [...entry.dependencies].sort();
        assert.deepEqual(deps, mustDependOn(resource), `${resource.kind} ${resource.id}`);
        for (const dep of deps) assert.ok(urns.has(dep), `${resource.kind} ${resource.id} → ${dep}`);
      }
    });
  });
}

describe("the Pulumi program's config and outputs", () => {
  it("exports client ids, and generated secrets and API keys as secrets", async () => {
    const { outputs } = await runProgram("config");
    const expected = desiredResources(await loadDesiredState(path.join(root, "config")), {});
    const apps = expected.filter((r) => r.kind === "Application");
    const keys = expected.filter((r) => r.kind === "ApiKey");
    assert.deepEqual(Object.keys(outputs.clientIds).sort(), apps.map((a) => a.id).sort());
    for (const app of apps) {
      const clientId = await new Promise((resolve) => outputs.clientIds[app.id]?.apply(resolve));
      assert.equal(clientId, app.props.clientId);
    }
    assert.equal(await pulumi.isSecret(outputs.clientSecrets), true);
    assert.equal(await pulumi.isSecret(outputs.apiKeys), true);
    const apiKeys = await new Promise<Record<string, unknown>>((resolve) => outputs.apiKeys.apply(resolve));
    assert.deepEqual(Object.keys(apiKeys).sort(), keys.map((k) => k.id).sort());
    const generated = apps.filter((a) => a.kind === "Application" && a.props.secret.kind === "generated");
    const secrets = await new Promise<Record<string, unknown>>((r) => outputs.clientSecrets.apply(r));
    assert.deepEqual(Object.keys(secrets).sort(), generated.map((a) => a.id).sort());
  });

  it("passes the store path and take-over through to every resource", async () => {
    await runProgram("examples/minimal", { store: "state/other.db", takeOver: true });
    assert.ok(registered.size > 0);
    for (const entry of registered.values()) {
      assert.equal(entry.inputs.store, "state/other.db");
      assert.equal(entry.inputs.takeOver, true);
    }
  });
});
