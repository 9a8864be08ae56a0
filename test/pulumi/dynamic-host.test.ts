/**
 * The harness of test/support/pulumi-host.ts against Pulumi's own dynamic-provider host: a provider
 * text as Pulumi serializes it (CommonJS exporting `handler`) is loaded by the host and answers Check,
 * Create and Diff over gRPC, with Diff's replaces and deleteBeforeReplace carried through.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { REPO_ROOT } from "../support/cli.ts";
import { startDynamicProviderHost, urnOf } from "../support/pulumi-host.ts";

const PROVIDER = `exports.handler = () => ({
  async diff(id, olds, news) {
    const changed = olds.v !== news.v;
    return { changes: changed, replaces: changed ? ["v"] : [], deleteBeforeReplace: changed };
  },
  async create(inputs) { return { id: "thing-1", outs: { v: inputs.v, made: true } }; },
});`;

test("the dynamic-provider host loads a serialized provider and answers over gRPC", async (t) => {
  const host = await startDynamicProviderHost(REPO_ROOT);
  t.after(() => host.close());
  const urn = urnOf("scopectl:index:Thing", "thing");
  const props = { v: 1, __provider: PROVIDER };
  assert.equal((await host.check(urn, {}, props)).inputs.v, 1);
  const made = await host.create(urn, props);
  assert.equal(made.id, "thing-1");
  assert.equal(made.properties.made, true);
  assert.equal(made.properties.__provider, PROVIDER, "the host keeps the provider in the outputs");
  assert.deepEqual(await host.diff(urn, made.id, props, props), {
    changes: "none",
    replaces: [],
    deleteBeforeReplace: false,
  });
  assert.deepEqual(await host.diff(urn, made.id, props, { ...props, v: 2 }), {
    changes: "some",
    replaces: ["v"],
    deleteBeforeReplace: true,
  });
});
