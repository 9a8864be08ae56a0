/**
 * One driver per store (docs/architecture.md#the-store-and-who-owns-each-row): a Pulumi stack writes only rows it manages. A row that another
 * manager holds (`scopectl` the reconciler, another stack, someone by hand) is refused with a message
 * that names it, its manager and the way to take it over; `scopectl apply` refuses ours the same way.
 */
import { ScopectlError } from "../core/errors.ts";
import type { ManagedBy, ResourceKind, StoredResource } from "../model/resources.ts";

export class OwnershipError extends ScopectlError {
  static readonly code = "ownership.refused";
  declare readonly code: typeof OwnershipError.code;

  constructor(
    readonly kind: ResourceKind,
    readonly id: string,
    readonly owner: ManagedBy,
    readonly managedBy: ManagedBy,
    action: "create" | "update" | "delete",
  ) {
    super(
      OwnershipError.code,
      `cannot ${action} ${kind} "${id}": the store row is managed by "${owner}", not "${managedBy}"; ` +
        `remove it from this stack, or take it over with \`pulumi config set scopectl:takeOver true\` ` +
        `(or the resource's takeOver input) and run again`,
    );
    this.name = "OwnershipError";
  }
}

/** Throws unless `row` is absent, ours, or taken over. */
export function assertWritable(
  row: Pick<StoredResource, "id" | "managedBy"> | undefined,
  kind: ResourceKind,
  managedBy: ManagedBy,
  takeOver: boolean,
  action: "create" | "update" | "delete",
): void {
  if (!row || row.managedBy === managedBy || takeOver) return;
  throw new OwnershipError(kind, row.id, row.managedBy, managedBy, action);
}
