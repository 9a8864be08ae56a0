/**
 * Pulumi on a PostgreSQL store (issue 14): the provider reads the store from its config or from
 * SCOPECTL_STORE, and no credential lands in what Pulumi keeps (the inputs the program registers and
 * the outputs a create returns, both serialized into the state). Runs the program under Pulumi's mocks
 * and the provider's create against a real PostgreSQL database.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { afterEach, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { STORE_FROM_ENV } from "../../src/pulumi/inputs.ts";
import { declareManifests } from "../../src/pulumi/program.ts";
import { create, remove } from "../../src/pulumi/provider.ts";
import { storeInput } from "../../src/pulumi/store-input.ts";
import { openStore } from "../../src/store/open.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { POSTGRES_PASSWORD, postgresForFile } from "../support/postgres.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const pg = postgresForFile();
const savedStore = process.env.SCOPECTL_STORE;
afterEach(() => {
  if (savedStore === undefined) delete process.env.SCOPECTL_STORE;
  else process.env.SCOPECTL_STORE = savedStore;
});

async function registeredInputs(): Promise<Record<string, unknown>[]> {
  const inputs: Record<string, unknown>[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        inputs.push(args.inputs);
        return { id: String(args.inputs.resourceId), state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "scopectl",
    "pgtest",
    false,
  );
  const declared = await declareManifests({ manifests: path.join(REPO_ROOT, "examples/minimal"), env: {} });
  await Promise.all(
    [...declared.resources.values()].map((r) => new Promise((resolve) => r.urn.apply(resolve))),
  );
  return inputs;
}

describe("Pulumi with a PostgreSQL store", { timeout: SUITE_TIMEOUT_MS }, () => {
  it("a store from SCOPECTL_STORE is recorded as env:SCOPECTL_STORE, never as its URL", async () => {
    process.env.SCOPECTL_STORE = await pg.database();
    const inputs = await registeredInputs();
    assert.ok(inputs.length > 0);
    for (const input of inputs) assert.equal(input.store, STORE_FROM_ENV);
    assert.doesNotMatch(JSON.stringify(inputs), new RegExp(POSTGRES_PASSWORD));
    assert.doesNotMatch(JSON.stringify(inputs), /postgres:\/\//);
  });

  it("a store URL with a password in the argument or the config is refused, naming where it came from", () => {
    const url = "postgres://scopectl:hunter2-secret@db.internal/scopectl";
    assert.throws(() => storeInput(url, undefined), /`store` argument is a PostgreSQL URL with a password/);
    assert.throws(() => storeInput(undefined, url), /scopectl:store is a PostgreSQL URL with a password/);
    assert.equal(
      storeInput(undefined, "postgres://scopectl@db.internal/scopectl"),
      "postgres://scopectl@db.internal/scopectl",
    );
    assert.equal(storeInput(undefined, undefined, {}), ".scopectl/store.db");
  });

  it("the provider writes the PostgreSQL store SCOPECTL_STORE names; its outputs hold no credential", {
    timeout: 60_000,
  }, async () => {
    const url = await pg.database();
    process.env.SCOPECTL_STORE = url;
    const inputs = {
      resourceId: "shop",
      props: { audience: "https://shop.example", scopes: [] },
      store: STORE_FROM_ENV,
      stack: "pgtest",
    } as unknown as Parameters<typeof create<"Api">>[1];
    const { outs } = await create("Api", inputs);
    assert.doesNotMatch(JSON.stringify(outs), new RegExp(POSTGRES_PASSWORD));
    assert.equal(outs.store, STORE_FROM_ENV);
    const store = await openStore(url);
    try {
      const row = await store.get("Api", "shop");
      assert.equal(row?.managedBy, "pulumi:pgtest");
    } finally {
      await store.close();
    }
    await remove("Api", "shop", outs);
    delete process.env.SCOPECTL_STORE;
    await assert.rejects(create("Api", inputs), /SCOPECTL_STORE is not set where the provider runs/);
  });
});
