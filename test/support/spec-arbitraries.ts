/**
 * Generated specs for the route-matching property tests: path templates of literal, whole-expression and
 * mixed segments (literals that collide with expression values, case and encoding on purpose), concrete
 * paths made from them as a client would send them, and the concreteness rank of a template.
 */
import fc from "fast-check";
import { HTTP_METHODS } from "../../src/model/spec-import.ts";

export const LITERALS = ["users", "me", "orders", "items", "a-b", "a_b", "v1", "café", "Search", "x.json"];
export const ok = { responses: { "200": { description: "ok" } } };

export type Seg =
  | { kind: "literal"; text: string }
  | { kind: "param" }
  | { kind: "mixed"; prefix: string; suffix: string };

export const segment: fc.Arbitrary<Seg> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...LITERALS).map((text) => ({ kind: "literal" as const, text })) },
  { weight: 3, arbitrary: fc.constant({ kind: "param" as const }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom("", "v", "id-"), fc.constantFrom("", ".json", ".xml"))
      .filter(([p, s]) => p !== "" || s !== "")
      .map(([prefix, suffix]) => ({ kind: "mixed" as const, prefix, suffix })),
  },
);

export function templateOf(segs: Seg[]): string {
  let n = 0;
  const text = segs.map((s) => {
    if (s.kind === "literal") return s.text;
    n += 1;
    return s.kind === "param" ? `{p${n}}` : `${s.prefix}{p${n}}${s.suffix}`;
  });
  return `/${text.join("/")}`;
}

export const specArbitrary = fc
  .uniqueArray(
    fc.record({
      segs: fc.array(segment, { minLength: 0, maxLength: 4 }),
      methods: fc.uniqueArray(fc.constantFrom(...HTTP_METHODS), { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 12, selector: (o) => templateOf(o.segs) },
  )
  .chain((ops) =>
    fc.record({
      ops: fc.constant(ops),
      base: fc.constantFrom("", "/api", "/catalog/v2"),
      // Per operation, the value of each expression: letters that may also be a literal of another template.
      values: fc.array(
        fc.constantFrom("me", "42", "users", "ab", "x.json", "id-7", "v1", "é é", "a/b", "line\nbreak"),
        {
          minLength: 4,
          maxLength: 4,
        },
      ),
      pick: fc.nat(),
    }),
  );

/** A concrete path of `segs`: each expression replaced by a value, percent-encoded as a client would. */
export function concretePath(segs: Seg[], values: string[]): string {
  let n = 0;
  return `/${segs
    .map((s) => {
      if (s.kind === "literal") return encodeURIComponent(s.text);
      const value = values[n++ % values.length] ?? "v";
      return encodeURIComponent(s.kind === "param" ? value : `${s.prefix}${value}${s.suffix}`);
    })
    .join("/")}`;
}

/** The oracle's rank of a segment: literal 2, mixed 1 (more text first), whole expression 0. */
export function rank(template: string): Array<[number, number]> {
  return template
    .slice(1)
    .split("/")
    .filter((_, _i, all) => !(all.length === 1 && all[0] === ""))
    .map((s) => {
      if (!s.includes("{")) return [2, 0];
      if (/^\{[^}]*\}$/.test(s)) return [0, 0];
      return [1, s.replace(/\{[^}]*\}/g, "").length];
    });
}

export function compareRank(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const [ka, la] = ra[i] ?? [0, 0];
    const [kb, lb] = rb[i] ?? [0, 0];
    if (ka !== kb) return kb - ka;
    if (la !== lb) return lb - la;
  }
  return 0;
}
