/**
 * Scope renames. The store cannot rename a scope (its name is its identity), so a rename is a delete of
 * the old scope and a create of the new one. Shown as two unrelated lines, a reviewer cannot tell a
 * rename from losing one scope and gaining another; shown as one replace ("renamed from …"), the
 * impact of the old scope's holders sits next to the new name.
 *
 * Recognized only when it is unambiguous: a manual scope removed and a manual scope added in the same
 * Api with the same description, that description occurring once among the Api's removed scopes and
 * once among its added ones. Anything less certain stays a delete and a create; the store ends up the
 * same either way, so a missed rename costs only readability, while a wrong one would mislead.
 */
import type { ScopeProps } from "../model/resources.ts";
import { compareStrings } from "./desired-resources.ts";

export interface ScopeRow {
  id: string;
  props: ScopeProps;
}

export interface Rename {
  from: string;
  to: string;
}

/** Manual scopes per Api, grouped by description. */
function byApiAndDescription(rows: readonly ScopeRow[]): Map<string, Map<string, ScopeRow[]>> {
  const out = new Map<string, Map<string, ScopeRow[]>>();
  for (const row of rows) {
    if (row.props.origin !== "manual") continue;
    const api = out.get(row.props.api) ?? new Map<string, ScopeRow[]>();
    const same = api.get(row.props.description) ?? [];
    same.push(row);
    api.set(row.props.description, same);
    out.set(row.props.api, api);
  }
  return out;
}

export function findRenames(created: readonly ScopeRow[], deleted: readonly ScopeRow[]): Rename[] {
  const added = byApiAndDescription(created);
  const removed = byApiAndDescription(deleted);
  const renames: Rename[] = [];
  for (const [api, removedByDescription] of removed) {
    const addedByDescription = added.get(api);
    if (!addedByDescription) continue;
    for (const [description, gone] of removedByDescription) {
      const come = addedByDescription.get(description);
      if (gone.length === 1 && come?.length === 1 && gone[0] && come[0]) {
        renames.push({ from: gone[0].id, to: come[0].id });
      }
    }
  }
  return renames.sort((a, b) => compareStrings(a.to, b.to));
}
