/**
 * `GET /v1/revisions` (the store's revisions, newest first, paged) and `GET /v1/revisions/{n}` (one
 * revision's changes with field diffs). The diffs are the plan's own (plan/diff.ts), so secrets are
 * masked exactly as plans mask them: a client secret is said by where it comes from, an API key's
 * SHA-256 is "(sensitive)". User changes (names, e-mails) are shown only to a caller with
 * `read:users`; for another they are counted in `hidden`.
 */
import { ManagementNotFoundError, ManagementRequestError } from "../../engine/management/errors.ts";
import type { ResourceKind } from "../../model/resources.ts";
import { diffProps } from "../../plan/diff.ts";
import type { ResourceProps } from "../../plan/types.ts";
import type { AuditRecord, RevisionRecord, StoreReader } from "../../store/resources.ts";
import type { Paging } from "./paging.ts";

/** Kinds whose changes need `read:users`. */
const USER_KINDS: ReadonlySet<ResourceKind> = new Set(["User"]);

const commitView = (record: RevisionRecord) =>
  record.commit
    ? { sha: record.commit.sha, author: record.commit.author, subject: record.commit.subject }
    : null;

function revisionHead(record: RevisionRecord) {
  return { revision: record.revision, time: record.time, actor: record.actor, commit: commitView(record) };
}

export async function revisionListView(store: StoreReader, paging: Paging) {
  const all = await store.revisions();
  const { offset, limit } = paging;
  return {
    total: all.length,
    offset,
    limit,
    revisions: all
      .slice(offset, offset + limit)
      .map((record) => ({ ...revisionHead(record), summary: record.summary })),
  };
}

/** `{n}` of the path: a positive whole number, else 400 naming `revision`. */
export function parseRevision(text: string): number {
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ManagementRequestError(
      `the revision must be a positive whole number, not ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return value;
}

const actionOf = (record: AuditRecord): "create" | "update" | "delete" =>
  record.before === null || record.before === undefined
    ? "create"
    : record.after === null || record.after === undefined
      ? "delete"
      : "update";

const propsOf = (value: unknown): ResourceProps | undefined =>
  value === null || value === undefined ? undefined : (value as ResourceProps);

function changeView(record: AuditRecord) {
  return {
    kind: record.kind,
    id: record.id,
    action: actionOf(record),
    // As the sync status's drift renders a plan's diffs, plus the masked change's note.
    diff: diffProps(record.kind, propsOf(record.before), propsOf(record.after)).map(
      ({ path, before, after, added, removed, note }) => ({
        path,
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
        ...(added ? { added } : {}),
        ...(removed ? { removed } : {}),
        ...(note ? { note } : {}),
      }),
    ),
  };
}

export async function revisionDetailView(store: StoreReader, revision: number, readUsers: boolean) {
  const record = (await store.revisions()).find((r) => r.revision === revision);
  if (!record) {
    const current = await store.revision();
    throw new ManagementNotFoundError(`no revision ${revision}; the store is at revision ${current}`);
  }
  const audit = await store.audit(revision);
  const shown = readUsers ? audit : audit.filter((row) => !USER_KINDS.has(row.kind));
  return { ...revisionHead(record), changes: shown.map(changeView), hidden: audit.length - shown.length };
}
