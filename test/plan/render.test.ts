/** Renderers: text, JSON and Markdown, and that none of them ever prints a secret or its hash. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import type { ApplicationProps, Resource, ScopeProps, StoredResource } from "../../src/model/resources.ts";
import { renderJson, renderMarkdown, renderText } from "../../src/plan/render.ts";
import type { Plan } from "../../src/plan/types.ts";
import { applyRows, catalogFiles, loadResources, plan, spec, stored, TENANT } from "./helpers.ts";

const SECRET = "scs_LEAK-ME-0123456789abcdefghij";
const ROTATED = "scs_ROTATED-9876543210zyxwvutsrq";
const sha = (value: string) => createHash("sha256").update(value).digest("hex");

const scope = (
  api: string,
  name: string,
  description: string,
  extra: Partial<ScopeProps> = {},
): Resource => ({
  kind: "Scope",
  id: `${api}/${name}`,
  props: { api, name, description, origin: "manual", ...extra },
});

const app = (secret: string): Resource => {
  const props: ApplicationProps = {
    type: "m2m",
    clientId: "exporter",
    secret: { kind: "env", env: "EXPORTER_SECRET", sha256: sha(secret) },
    redirectUris: [],
    apis: { orders: { all: false, scopes: ["modify:orders"] } },
    tokens: { lifetimeSeconds: 900, includeApiScopesInPermissions: false },
  };
  return { kind: "Application", id: "exporter", props };
};

const role = (id: string, scopes: string[]): Resource => ({
  kind: "Role",
  id,
  props: { displayName: id, description: "", scopes: { orders: scopes } },
});

/** A plan with one of everything: create, update, rename, delete, impact, import log, conflict, left alone. */
function fullPlan(): Plan {
  const desired: Resource[] = [
    { kind: "Api", id: "orders", props: { audience: "https://orders", displayName: "Orders API" } },
    { kind: "Api", id: "catalog", props: { audience: "https://catalog", displayName: "Catalog" } },
    scope("orders", "modify:orders", "Write"),
    scope("orders", "read|all", "Read | everything"),
    role("admin", ["modify:orders"]),
    role("new-role", ["modify:orders"]),
    role("taken", []),
    {
      kind: "User",
      id: "alice",
      props: { email: "a@x", displayName: "Alice", roles: ["admin"], additionalScopes: {}, disabled: false },
    },
    app(ROTATED),
  ];
  const current: StoredResource[] = [
    ...stored([
      { kind: "Api", id: "orders", props: { audience: "https://orders", displayName: "Orders" } },
      { kind: "Api", id: "catalog", props: { audience: "https://catalog", displayName: "Catalog" } },
      {
        kind: "OpenApiSource",
        id: "catalog-spec",
        props: {
          api: "catalog",
          file: { path: "specs/c.yaml", sha256: "1".repeat(64), size: 10 },
          specVersion: "3.0.3",
        },
      },
      scope("catalog", "get:x", "GET /x", { origin: "openapi", source: "catalog-spec" }),
      scope("orders", "write:orders", "Write"),
      scope("orders", "old", "Old thing"),
      scope("orders", "read|all", "Read | everything"),
      role("admin", ["old", "write:orders"]),
      {
        kind: "User",
        id: "alice",
        props: {
          email: "a@x",
          displayName: "Alice",
          roles: ["admin"],
          additionalScopes: {},
          disabled: false,
        },
      },
      app(SECRET),
    ]),
    ...stored([role("ops", []), role("taken", ["old"])], "pulumi:prod"),
  ];
  return plan(desired, current, {
    revision: 7,
    commit: {
      sha: "0123456789abcdef0123456789abcdef01234567",
      author: "Ann",
      subject: "Rename",
      dirty: false,
    },
  });
}

describe("renderers", () => {
  test("the plan under test has the shape the renderer tests assume", () => {
    const p = fullPlan();
    assert.deepEqual(
      p.changes.map((c) => `${c.action} ${c.kind} ${c.id}`),
      [
        "update Api orders",
        "replace Scope orders/modify:orders",
        "update Role admin",
        "create Role new-role",
        "update Application exporter",
        "delete Scope catalog/get:x",
        "delete Scope orders/old",
        "delete OpenApiSource catalog-spec",
      ],
    );
    assert.deepEqual(p.summary, { create: 1, update: 3, replace: 1, delete: 3 });
    assert.equal(p.conflicts.length, 1);
    assert.equal(p.leftAlone.length, 1);
  });

  test("text: Terraform-like blocks, impact, import log, conflicts, left alone and the summary line", () => {
    const text = renderText(fullPlan(), { color: false });
    const lines = text.split("\n");
    assert.equal(lines.at(-1), "Plan: 1 to create, 3 to update, 1 to replace, 3 to delete.");
    assert.match(
      lines[0] ?? "",
      /^Plan against store revision 7, commit 0123456789ab "Rename" by Ann, managed by scopectl$/,
    );
    assert.ok(lines.includes("  ~ update Api orders"));
    assert.ok(lines.includes('      ~ displayName: "Orders" → "Orders API"'));
    assert.ok(lines.includes("  -/+ replace Scope orders/modify:orders (renamed from orders/write:orders)"));
    assert.ok(lines.includes('      ~ name: "write:orders" → "modify:orders" (forces replacement)'));
    assert.ok(lines.includes("  + create Role new-role"));
    assert.ok(lines.includes("      + scopes.orders: modify:orders"));
    assert.ok(lines.includes("      ~ scopes.orders: added modify:orders; removed old, write:orders"));
    assert.ok(lines.includes("  - delete Scope orders/old"));
    assert.ok(lines.includes("      scopes lost: orders/old"));
    assert.ok(lines.includes("      holders today: roles admin, taken; users alice"));
    assert.ok(lines.includes("      holders today: none"), "a deleted scope nobody holds says so");
    assert.ok(
      lines.includes("      import deleted: 0 created, 0 duplicate, 0 skipped (reserved), 1 removed"),
    );
    assert.ok(lines.some((l) => /^ {8}removed {2}get:x {2}no longer generated/.test(l)));
    assert.ok(
      lines.some((l) =>
        l.startsWith('  ! Role "taken" is declared in the manifests but managed by "pulumi:prod"'),
      ),
    );
    assert.ok(lines.includes("  Role ops (managed by pulumi:prod)"));
    const ESC = String.fromCharCode(27);
    assert.ok(!text.includes(`${ESC}[`), "no colour when color is false");
    assert.ok(renderText(fullPlan(), { color: true }).includes(`${ESC}[`));
  });

  test("text: an empty plan says so on its last line", () => {
    const text = renderText(plan([], []), { color: false });
    assert.equal(text.split("\n").at(-1), "No changes. The store matches the manifests.");
  });

  test("json: revision, commit and changes with action, kind, id, diff, impact; never the props", () => {
    const p = fullPlan();
    const json = JSON.parse(renderJson(p));
    assert.deepEqual(Object.keys(json), [
      "formatVersion",
      "revision",
      "commit",
      "createdAt",
      "managedBy",
      "summary",
      "changes",
      "conflicts",
      "leftAlone",
    ]);
    assert.equal(json.revision, 7);
    assert.equal(json.commit.sha, "0123456789abcdef0123456789abcdef01234567");
    assert.deepEqual(json.summary, p.summary);
    assert.equal(json.changes.length, p.changes.length);
    for (const c of json.changes) {
      for (const key of ["action", "kind", "id", "diff", "impact"]) assert.ok(key in c, `${key} in ${c.id}`);
      for (const key of Object.keys(c)) {
        assert.ok(
          ["action", "kind", "id", "replacesId", "note", "diff", "impact", "importLog"].includes(key),
          key,
        );
      }
    }
    const renamed = json.changes.find((c: { id: string }) => c.id === "orders/modify:orders");
    assert.equal(renamed.replacesId, "orders/write:orders");
    assert.deepEqual(renamed.impact.roles, ["admin"]);
    assert.equal(json.changes.find((c: { id: string }) => c.id === "Api" || c.id === "orders").impact, null);
    assert.deepEqual(json.changes.find((c: { kind: string }) => c.kind === "OpenApiSource").importLog, [
      { action: "removed", scope: "get:x" },
    ]);
    assert.deepEqual(json.conflicts, p.conflicts);
    assert.deepEqual(json.leftAlone, p.leftAlone);
    assert.equal(JSON.parse(renderJson(plan([], []))).commit, null);
  });

  test("markdown: a summary heading, one table row per change, details for import logs, escaped pipes", () => {
    const p = fullPlan();
    const md = renderMarkdown(p);
    const lines = md.split("\n");
    assert.equal(lines[0], "### scopectl · Plan: 1 to create, 3 to update, 1 to replace, 3 to delete.");
    const header = lines.indexOf("| | Kind | Id | Changes | Impact |");
    assert.ok(header > 0);
    assert.equal(lines[header + 1], "| --- | --- | --- | --- | --- |");
    const rows = lines.slice(header + 2, header + 2 + p.changes.length);
    assert.equal(rows.length, 8);
    for (const row of rows) {
      // Six cell borders per row, whatever the content: every `|` inside a cell is escaped.
      assert.equal(row.replace(/\\\|/g, "").split("|").length - 1, 6, row);
    }
    assert.equal(lines[header + 2 + p.changes.length], "", "the table ends after the last change");
    assert.match(
      rows[1] ?? "",
      /^\| -\/\+ replace \| Scope \| orders\/modify:orders \| renamed from orders\/write:orders/,
    );
    const old = rows.find((r) => r.startsWith("| - delete | Scope | orders/old |")) ?? "";
    assert.match(old, /scopes lost: orders\/old<br>holders today: roles admin, taken; users alice \|$/);
    assert.match(
      md,
      /<details>\n<summary>Import log of OpenApiSource catalog-spec \(import deleted\): .*1 removed<\/summary>\n\n- removed get:x: /,
    );
    assert.match(md, /\*\*1 conflict: the plan cannot be applied\.\*\*/);
    assert.match(md, /<summary>Left alone: 1 row managed by others/);
  });

  test("markdown: user text cannot break the table or inject HTML", () => {
    const desired: Resource[] = [scope("orders", "a|b", "<script>x</script> | *bold*")];
    const md = renderMarkdown(plan(desired, []));
    const row = md.split("\n").find((l) => l.startsWith("| + create")) ?? "";
    assert.ok(row.includes("orders/a\\|b"), row);
    assert.ok(row.includes("&lt;script&gt;"), row);
    assert.ok(!row.includes("<script>"), row);
    assert.equal(row.replace(/\\\|/g, "").split("|").length - 1, 6, row);
    assert.equal(
      renderMarkdown(plan([], [])),
      "### scopectl · No changes. The store matches the manifests.\n\nAgainst store revision 1, managed by scopectl.",
    );
  });

  test("no renderer prints a secret or its hash: create, rotation and delete", async (t) => {
    const files = { ...TENANT, ...catalogFiles(spec("GET /products")) };
    const first = await loadResources(t, files, { EXPORTER_SECRET: SECRET });
    const created = plan(first.desired, [], { desiredState: first.state });
    const { rows } = await applyRows(created, []);
    const second = await loadResources(t, files, { EXPORTER_SECRET: ROTATED });
    const rotated = plan(second.desired, rows, { desiredState: second.state });
    const deleted = plan([], rows);
    const plans = { created, rotated, deleted, full: fullPlan() };

    // The plans themselves carry the hashes (apply writes them), so the check below is not vacuous.
    assert.ok(JSON.stringify(created).includes(sha(SECRET)));
    assert.ok(JSON.stringify(rotated).includes(sha(ROTATED)));
    assert.ok(
      rotated.changes.some((c) => c.kind === "Application" && c.diff.some((d) => d.note === "changed")),
    );
    const generated = rows.find((r) => r.kind === "Application" && r.id === "backend")
      ?.props as ApplicationProps;
    assert.equal(generated.secret.kind, "generated");
    const forbidden = [SECRET, ROTATED, sha(SECRET), sha(ROTATED)];
    if (generated.secret.kind === "generated" && generated.secret.sha256)
      forbidden.push(generated.secret.sha256);
    const keyHash = (rows.find((r) => r.kind === "ApiKey")?.props as { sha256?: string } | undefined)?.sha256;
    assert.ok(keyHash);
    forbidden.push(keyHash);

    for (const [name, p] of Object.entries(plans)) {
      const outputs = {
        text: renderText(p, { color: false }),
        color: renderText(p, { color: true }),
        json: renderJson(p),
        markdown: renderMarkdown(p),
      };
      for (const [format, output] of Object.entries(outputs)) {
        for (const value of forbidden) {
          assert.ok(!output.includes(value), `${format} of the ${name} plan prints ${value.slice(0, 12)}…`);
        }
      }
    }
  });
});
