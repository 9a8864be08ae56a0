/**
 * Issue 16, acceptance 2: for any spec's operations and concrete paths generated from them, the match
 * finds the operation's own template, except where a more concrete template also matches (OpenAPI:
 * concrete paths are matched before templated ones), and the scope it requires is the importer's name for
 * the operation it found. The oracle is a brute-force matcher written independently of the segment tree:
 * every template that matches the whole path as a regular expression, ranked segment by segment.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { HttpMethod } from "../../src/model/spec-import.ts";
import { generateScopes } from "../../src/openapi/generate.ts";
import { RouteTable } from "../../src/resource-server/route-table.ts";
import { compareRank, concretePath, ok, specArbitrary, templateOf } from "../support/spec-arbitraries.ts";

function templateRegExp(template: string): RegExp {
  const body = template
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith("{") ? "([^/]+?)" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

/** Brute force: every template with the method that matches the decoded path, the most concrete first. */
function oracle(paths: string[], methodsOf: Map<string, HttpMethod[]>, method: HttpMethod, decoded: string) {
  // A template takes HEAD with its HEAD operation, else with its GET one (per template, as a router does).
  const takes = (p: string) => {
    const methods = methodsOf.get(p) ?? [];
    return methods.includes(method) || (method === "head" && methods.includes("get"));
  };
  const candidates = paths.filter((p) => takes(p) && templateRegExp(p).test(decoded));
  // Array.prototype.sort is stable: among equals, the spec's order.
  return candidates.sort(compareRank)[0];
}

function decodedPath(concrete: string): string {
  // Decoded per segment, joined with a character no segment holds, so `%2F` cannot fake a separator.
  return concrete
    .split("/")
    .map((s) => decodeURIComponent(s).replace(/\//g, "\u0000"))
    .join("/");
}

describe("route matching, property", { timeout: 120_000 }, () => {
  test("the match is the operation's own template unless a more concrete one matches; the scope is the importer's", () => {
    fc.assert(
      fc.property(specArbitrary, ({ ops, base, values, pick }) => {
        const paths: Record<string, Record<string, unknown>> = {};
        const methodsOf = new Map<string, HttpMethod[]>();
        for (const op of ops) {
          const template = templateOf(op.segs);
          paths[template] = Object.fromEntries(op.methods.map((m) => [m, ok]));
          methodsOf.set(template, op.methods);
        }
        const doc = {
          openapi: "3.0.3",
          info: { title: "p", version: "1" },
          servers: [{ url: base || "/" }],
          paths,
        };
        const table = RouteTable.fromDocument(doc);
        const importerScope = new Map(
          generateScopes(paths).log.map((e) => [`${e.method} ${e.path}`, e.scope]),
        );
        const templates = Object.keys(paths);

        const own = ops[pick % ops.length];
        if (!own) return;
        const ownTemplate = templateOf(own.segs);
        const method = own.methods[pick % own.methods.length] as HttpMethod;
        const concrete = concretePath(own.segs, values);
        const match = table.matchSpec(method, `${base}${concrete}`);
        assert.ok(match, `${method} ${base}${concrete} matched nothing (own template ${ownTemplate})`);
        assert.equal(match.lenient, false);

        const expected = oracle(templates, methodsOf, method, decodedPath(concrete));
        assert.equal(match.operation.path, expected, `${method} ${concrete}`);
        if (match.operation.path !== ownTemplate) {
          // Only a template at least as concrete as the own one may take the request, and it matches it too.
          assert.ok(
            compareRank(match.operation.path, ownTemplate) <= 0,
            `${match.operation.path} over ${ownTemplate}`,
          );
        }
        const answered = (methodsOf.get(match.operation.path) ?? []).includes(method) ? method : "get";
        assert.equal(match.operation.method, answered);
        assert.equal(match.headAsGet, answered !== method);
        assert.equal(match.operation.scope, importerScope.get(`${answered} ${match.operation.path}`));
      }),
      { numRuns: 3000, includeErrorInReport: true },
    );
  });
});
