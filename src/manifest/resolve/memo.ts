/**
 * Resolutions kept by document, for the processes that plan one folder again and again (`up`'s watcher,
 * the sync loop; the ManifestCache holds one): a re-plan after a one-file change resolves the documents
 * of that file, not twenty thousand Users again.
 *
 * Sound because resolving one User or Role is a function of two things only:
 *   - its document: the ManifestCache hands out the same frozen object while the file's bytes, name and
 *     folder are unchanged, so the object is the key (a WeakMap: nothing is kept for a document the
 *     cache has dropped);
 *   - the names its references are checked against: the declared Roles and Apis and each Api's scope
 *     set. These are summed up as a fingerprint at the start of every resolution; when it differs from
 *     the last one, everything kept is dropped.
 * What needs the whole set (one email per user, one name per kind) is checked on every resolution, by
 * the callers. Only a resolution that reported nothing and noted no uploaded-scope reference is kept:
 * one with diagnostics runs again, so that its messages are made afresh and reported every time.
 */
import { deepFreeze } from "../../core/deep-freeze.ts";
import type { ManifestDocument } from "../documents.ts";
import type { Resolution } from "./context.ts";

/** What the references of Users and Roles resolve against, as one string. */
function referenceFingerprint(ctx: Resolution): string {
  const apis = [...ctx.scopes].map(([api, set]) => [api, set.complete, set.uploads === true, [...set.names]]);
  return JSON.stringify([[...ctx.names.Role.keys()], [...ctx.names.Api.keys()], apis]);
}

export class ResolutionMemo {
  #fingerprint: string | undefined;
  #kept = new WeakMap<ManifestDocument, object>();
  /** Documents resolved afresh and reused, by the resolutions so far (tests, benches). */
  readonly stats = { resolved: 0, reused: 0 };

  /**
   * Starts a resolution, once the Apis' scope sets are known (after the OpenAPI imports): drops what was
   * kept when the names that references resolve against have changed since the last one.
   */
  startResolution(ctx: Resolution): void {
    const fingerprint = referenceFingerprint(ctx);
    if (fingerprint === this.#fingerprint) return;
    this.#fingerprint = fingerprint;
    this.#kept = new WeakMap();
  }

  /** `doc`'s resolution: the kept one, or `resolve()`'s, kept (frozen) when it reported nothing. */
  resolve<T extends object>(ctx: Resolution, doc: ManifestDocument, resolve: () => T): T {
    const kept = this.#kept.get(doc);
    if (kept !== undefined) {
      this.stats.reused++;
      return kept as T;
    }
    const diagnostics = ctx.diagnostics.length;
    const references = ctx.uploadedScopeReferences.length;
    const made = resolve();
    this.stats.resolved++;
    if (ctx.diagnostics.length === diagnostics && ctx.uploadedScopeReferences.length === references) {
      deepFreeze(made);
      this.#kept.set(doc, made);
    }
    return made;
  }
}

/** `resolve()`, through the memo when there is one. */
export function resolveDocument<T extends object>(
  ctx: Resolution,
  memo: ResolutionMemo | undefined,
  doc: ManifestDocument,
  resolve: () => T,
): T {
  return memo ? memo.resolve(ctx, doc, resolve) : resolve();
}
