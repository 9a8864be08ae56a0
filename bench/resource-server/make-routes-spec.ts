/**
 * Deterministic OpenAPI documents of a given operation count, for the route-matching bench: what large
 * APIs look like to a router. Top-level resources (their count grows with the spec), each a collection
 * and an item (`/orders`, `/orders/{orderId}`), nested sub-resources two and three levels deep, actions
 * (`.../approval`), literal segments beside a parameter (`/orders/me`, `/orders/search` next to
 * `/orders/{orderId}`: the literal must win), mixed segments (`/orders/{orderId}.json`), and long paths
 * whose scope names are cut at 64 characters. Served under a base path (`servers[0].url`), so every match
 * strips one. Only what the matcher reads is there (paths, methods, operationId, summary).
 */

// The same seeded generator and vocabulary as the import bench's spec, so both read like one API.
import { prng, WORDS } from "../openapi/make-spec.ts";

export const ROUTES_BASE_PATH = "/api/v2";

type Methods = readonly string[];

export function makeRoutesSpec(operations: number, seed = 16): Record<string, unknown> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const paths: Record<string, Record<string, unknown>> = {};
  let count = 0;
  const add = (path: string, methods: Methods) => {
    if (count >= operations || paths[path]) return;
    const item: Record<string, unknown> = {};
    for (const method of methods) {
      if (count >= operations) break;
      item[method] = {
        operationId: `op${count}`,
        ...(count % 5 === 0 ? {} : { summary: `${method} ${path}` }),
        responses: { "200": { description: "OK" } },
      };
      count++;
    }
    paths[path] = item;
  };
  for (let r = 0; count < operations; r++) {
    // Resource names repeat the word list with a suffix beyond it: `orders`, then `orders-41`, ...
    const word = WORDS[r % WORDS.length] as string;
    const name = r < WORDS.length ? `${word}s` : `${word}s-${r}`;
    const collection = `/${name}`;
    const item = `${collection}/{${word}Id}`;
    add(collection, ["get", "post"]);
    add(item, ["get", "put", "patch", "delete"]);
    if (r % 3 === 0) {
      add(`${collection}/me`, ["get"]);
      add(`${collection}/search`, ["get", "post"]);
    }
    if (r % 7 === 0) add(`${collection}/{${word}Id}.json`, ["get"]);
    const subs = WORDS.filter((w) => w !== word);
    const used = new Set<string>();
    const subCount = 1 + Math.floor(rnd() * 3);
    for (let s = 0; s < subCount; s++) {
      const sub = pick(subs);
      if (used.has(sub)) continue;
      used.add(sub);
      const subCollection = `${item}/${sub}s`;
      const subItem = `${subCollection}/{${sub}Id}`;
      add(subCollection, ["get", "post"]);
      add(subItem, ["get", "put", "delete"]);
      if (rnd() < 0.3) add(`${subItem}/approval`, ["put", "delete"]);
      if (rnd() < 0.4) {
        const leaf = pick(subs.filter((w) => w !== sub));
        add(`${subItem}/${leaf}s`, ["get"]);
        add(`${subItem}/${leaf}s/{${leaf}Id}`, ["get", "patch"]);
      }
    }
    if (r % 11 === 0) {
      // A long path: 12 segments, its scope name over 64 characters (cut, with a hash).
      const words = Array.from({ length: 6 }, () => pick(WORDS)).join("-");
      add(`${item}/history/${words}/{revisionId}/inventory-adjustments/{adjustmentId}/approval-${r}`, [
        "get",
        "post",
      ]);
    }
  }
  return {
    openapi: "3.0.3",
    info: { title: `Routes benchmark API (${operations} operations)`, version: "1.0.0" },
    servers: [{ url: `https://api.example.com${ROUTES_BASE_PATH}` }],
    paths,
  };
}
