/**
 * The saved plan file (src/plan/plan-file.ts): what `plan --out` writes reads back as the same plan,
 * says whether it can be applied, and a truncated, hand-edited or foreign file is refused with an error
 * that names the file and the field.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { describe, test } from "node:test";
import { parsePlanFile, planFileText, readPlanFile, writePlanFile } from "../../src/plan/plan-file.ts";
import type { Plan } from "../../src/plan/types.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import {
  applyRows,
  catalogFiles,
  edit,
  loadResources,
  plan,
  ROLES,
  spec,
  stored,
  TENANT,
} from "./helpers.ts";

const FILE = "saved-plan.json";

/** A plan with every field a real one has: creates with props, impact, import logs, a commit. */
async function fullPlan(t: TestContext): Promise<Plan> {
  const files = { ...TENANT, ...catalogFiles(spec("GET /products", "POST /products")) };
  const { state, desired } = await loadResources(t, files);
  const commit = { sha: "a".repeat(40), author: "A <a@example.com>", subject: "first", dirty: false };
  return plan(desired, [], { desiredState: state, commit });
}

/** A plan of updates and replaces (before and after props, field diffs, impact), against a store. */
async function changePlan(t: TestContext): Promise<Plan> {
  const first = await loadResources(t, TENANT);
  const { rows } = await applyRows(plan(first.desired, [], { desiredState: first.state }), []);
  const next = await loadResources(t, {
    ...TENANT,
    "roles.yaml": edit(ROLES, "[write:orders, read:orders]", "[read:orders]"),
  });
  return plan(next.desired, rows, { desiredState: next.state });
}

/** The plan file's JSON with `change` applied, as a hand edit would leave it. */
function edited(p: Plan, change: (json: Record<string, unknown>) => void): string {
  const json = JSON.parse(planFileText(p)) as Record<string, unknown>;
  change(json);
  return JSON.stringify(json, null, 2);
}

function refused(text: string, pattern: RegExp): void {
  assert.throws(
    () => parsePlanFile(text, FILE),
    (error: Error) => {
      assert.equal(error.name, "PlanFileError");
      assert.ok(error.message.startsWith(`${FILE} `), `the error names the file: ${error.message}`);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe("the saved plan file", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a plan reads back as the same plan, and says it can be applied", async (t) => {
    for (const p of [await fullPlan(t), await changePlan(t)]) {
      assert.ok(p.changes.length > 0);
      const text = planFileText(p);
      const json = JSON.parse(text) as Record<string, unknown>;
      assert.equal(json.format, "scopectl-plan");
      assert.equal(json.formatVersion, 1);
      assert.equal(json.applicable, true);
      assert.deepEqual(json.blockers, []);
      const saved = parsePlanFile(text, FILE);
      assert.deepEqual(saved, { plan: p, applicable: true, blockers: [] });
    }
  });

  test("a plan with conflicts is saved as not applicable, saying why", () => {
    const desired = [
      { kind: "Role" as const, id: "ops", props: { displayName: "Ops!", description: "", scopes: {} } },
    ];
    const current = stored(
      [{ kind: "Role", id: "ops", props: { displayName: "Ops", description: "", scopes: {} } }],
      "pulumi:prod",
    );
    const p = plan(desired, current);
    const saved = parsePlanFile(planFileText(p), FILE);
    assert.equal(saved.applicable, false);
    assert.equal(saved.blockers.length, 1);
    assert.equal(saved.blockers[0]?.reason, "conflicts");
    assert.match(
      saved.blockers[0]?.message ?? "",
      /^the plan has 1 conflict and cannot be applied: .*pulumi:prod/,
    );
  });

  test("writePlanFile makes a 0600 file that readPlanFile reads back", async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-plan-file-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, "plan.json");
    const p = await fullPlan(t);
    await writePlanFile(file, p);
    assert.equal(((await stat(file)).mode & 0o777).toString(8), "600");
    assert.deepEqual((await readPlanFile(file)).plan, p);
    assert.equal(await readFile(file, "utf8"), planFileText(p));
    await assert.rejects(
      readPlanFile(path.join(dir, "missing.json")),
      /missing\.json cannot be read: ENOENT/,
    );
  });

  test("a truncated file is refused as incomplete JSON", async (t) => {
    const text = planFileText(await fullPlan(t));
    for (const cut of [0, 1, Math.floor(text.length / 2), text.length - 3]) {
      refused(
        text.slice(0, cut),
        /is not a saved plan: it is not complete JSON \(.+\); was it cut short or edited by hand\? Make a new one with scopectl plan --out$/,
      );
    }
  });

  test("a field of the wrong type, value or name is refused, naming the field", async (t) => {
    const p = await changePlan(t);
    const change0 = (json: Record<string, unknown>) => (json.changes as Record<string, unknown>[])[0] ?? {};
    const cases: [(json: Record<string, unknown>) => void, RegExp][] = [
      [
        (json) => (json.revision = "1"),
        /is not a valid saved plan: revision must be an integer, not a string/,
      ],
      [(json) => (json.revision = -1), /revision must be >= 0, not -1/],
      [
        (json) => (change0(json).action = "crate"),
        /changes\[0\]\.action must be one of create, update, replace, delete, not "crate"/,
      ],
      [(json) => (change0(json).kind = "Rol"), /changes\[0\]\.kind must be one of Settings, .*, not "Rol"/],
      [(json) => (change0(json).diff = "none"), /changes\[0\]\.diff must be an array, not a string/],
      [(json) => (change0(json).after = ["x"]), /changes\[0\]\.after must be an object, not an array/],
      [(json) => delete json.summary, /summary is missing/],
      [(json) => (json.revison = 1), /revison is not a field of a saved plan/],
      [(json) => (json.createdAt = "yesterday"), /createdAt must match format "date-time", not "yesterday"/],
      [(json) => (json.applicable = "yes"), /applicable must be a boolean, not a string/],
      [
        (json) => (json.commit = { sha: "abc", author: "", subject: "", dirty: false }),
        /commit\.sha must match pattern/,
      ],
    ];
    for (const [change, pattern] of cases) refused(edited(p, change), pattern);
  });

  test("fields that disagree are refused: the verdict, a change's props, the summary", async (t) => {
    const p = await changePlan(t);
    const change0 = (json: Record<string, unknown>) => (json.changes as Record<string, unknown>[])[0] ?? {};
    refused(
      edited(p, (json) => (json.applicable = false)),
      /applicable is false, but blockers is empty \(a plan that cannot be applied says why\)/,
    );
    refused(
      edited(p, (json) => (json.blockers = [{ reason: "conflicts", message: "m" }])),
      /applicable is true, but blockers names 1 reason/,
    );
    refused(
      edited(p, (json) => delete change0(json).before),
      /changes\[0\]\.before is missing \(a (update|replace) of \w+ \S+ needs it\)/,
    );
    refused(
      edited(p, (json) => ((json.summary as Record<string, number>).delete = 7)),
      /summary\.delete is 7, but the plan has 0 delete change\(s\)/,
    );
  });

  test("another format, another version, an older plan file or not a plan at all is refused", async (t) => {
    const p = await fullPlan(t);
    refused(
      edited(p, (json) => (json.formatVersion = 2)),
      /has formatVersion 2, and this scopectl reads version 1 only/,
    );
    refused(
      edited(p, (json) => delete json.formatVersion),
      /has no "formatVersion" field/,
    );
    refused(
      edited(p, (json) => (json.format = "terraform-plan")),
      /its "format" is "terraform-plan", not "scopectl-plan"/,
    );
    // What scopectl saved before the file had a format: the plan alone.
    refused(`${JSON.stringify(p)}\n`, /was saved by an older scopectl \(it has no "format" field\)/);
    refused(`{"name": "package.json"}`, /is not a saved plan: it has no "format" field/);
    refused("[1, 2]", /is not a saved plan: it holds an array, not a JSON object/);
    refused("null", /is not a saved plan: it holds null, not a JSON object/);
  });
});
