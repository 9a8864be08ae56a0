/**
 * The plan: what applying the manifests would change in the store, in the order the engine runs it.
 * Plain JSON throughout, because `scopectl plan --out` saves it and `scopectl apply FILE` reads it back
 * (possibly on another machine, later): no Maps, no Dates, no class instances.
 */
import type { CommitInfo, ManagedBy, PropsByKind, ResourceKind } from "../model/resources.ts";
import type { ImportLogItem } from "../store/resources.ts";

export type PlanAction = "create" | "update" | "replace" | "delete";

/** The props of any kind, as the store holds them. */
export type ResourceProps = PropsByKind[ResourceKind];

/**
 * One changed field. `path` is dotted (`apis.orders.scopes`). String lists (scope lists, roles,
 * redirect URIs) give `added`/`removed` instead of whole before/after lists, which is what a reviewer
 * reads. A missing `before` means the field is new; a missing `after` means it goes away. Secret
 * fields are masked here, at the source, so no renderer can leak them.
 */
export interface FieldDiff {
  path: string;
  before?: unknown;
  after?: unknown;
  added?: string[];
  removed?: string[];
  /** The values are masked placeholders, never the secret nor its hash. */
  sensitive?: true;
  /** The field cannot change in place: this diff is why the change is a replace. */
  forcesReplacement?: true;
  /** Extra words for a masked change, e.g. "changed" when only a secret's value moved. */
  note?: string;
}

/**
 * Who a change takes scopes away from, as the store stands TODAY. `scopes` are `<api>/<scope>` removed
 * (a deleted scope) or no longer granted through the changed resource (a narrowed grant).
 */
export interface Impact {
  scopes: string[];
  roles: string[];
  users: string[];
  applications: string[];
  apiKeys: string[];
}

export interface PlanChange {
  action: PlanAction;
  kind: ResourceKind;
  id: string;
  /**
   * Replace only: the id of the row to delete before `id` is created. Set when they differ, which is
   * the case for a renamed scope (the old name goes, the new one comes).
   */
  replacesId?: string;
  /** The row as the store holds it (update, replace, delete). May hold a secret's hash: never render it. */
  before?: ResourceProps;
  /** The props to write (create, update, replace). Output-only fields (hashes of generated secrets) are absent. */
  after?: ResourceProps;
  /** Field diffs, secrets masked: what renderers show. */
  diff: FieldDiff[];
  impact?: Impact;
  /** OpenApiSource changes: what the import does, recorded in the store's import history on apply. */
  importLog?: ImportLogItem[];
  /** A one-line explanation: "renamed from …", "owner: …", "a new client secret is generated". */
  note?: string;
}

/** A row the store holds, managed by someone else, that the manifests do not mention: not touched. */
export interface LeftAlone {
  kind: ResourceKind;
  id: string;
  managedBy: ManagedBy;
  /** Why, when it is not only "another manager": e.g. the scopes of a source that takes uploads. */
  reason?: string;
}

/** A resource the manifests declare whose row someone else manages: the plan cannot be applied. */
export interface PlanConflict {
  kind: ResourceKind;
  id: string;
  managedBy: ManagedBy;
  message: string;
}

export interface PlanSummary {
  create: number;
  update: number;
  replace: number;
  delete: number;
}

export interface Plan {
  formatVersion: 1;
  /** The store revision the plan was made against: apply refuses a store that has moved since. */
  revision: number;
  commit?: CommitInfo;
  /** ISO 8601. */
  createdAt: string;
  /** Who the plan manages rows as (`scopectl`, or `pulumi:<stack>`). */
  managedBy: ManagedBy;
  changes: PlanChange[];
  leftAlone: LeftAlone[];
  conflicts: PlanConflict[];
  summary: PlanSummary;
}
