/**
 * The JSON Schema of a saved plan file (plan-file.ts), in TypeBox as the manifest schemas are. It
 * checks the shape an apply relies on: every field the engine reads, with its type, and no field it
 * does not know (a misspelt hand edit is refused rather than ignored). A change's `before`/`after`
 * props are checked to be objects only: their fields per kind are what the providers write.
 */
import { Type } from "@sinclair/typebox";
import { RESOURCE_KINDS } from "../model/resources.ts";
import { BLOCKER_REASONS } from "./applicability.ts";

/** What a saved plan file says it is, so that any other JSON file given to `apply` is refused. */
export const PLAN_FILE_FORMAT = "scopectl-plan";
/** The plan's own `formatVersion` (plan/types.ts): the version of the shape below. */
export const PLAN_FILE_VERSION = 1;

const strict = { additionalProperties: false } as const;
const Strings = Type.Array(Type.String());
const Count = Type.Integer({ minimum: 0 });
const Enum = (values: readonly string[]) => Type.Unsafe<string>({ type: "string", enum: [...values] });
/** Props as the store holds them: any JSON object (a hash, never a secret). */
const Props = Type.Object({}, { additionalProperties: true });

const CommitInfo = Type.Object(
  {
    sha: Type.String({ pattern: "^[0-9a-f]{40}([0-9a-f]{24})?$" }),
    author: Type.String(),
    subject: Type.String(),
    dirty: Type.Boolean(),
  },
  strict,
);

const FieldDiff = Type.Object(
  {
    path: Type.String(),
    before: Type.Optional(Type.Unknown()),
    after: Type.Optional(Type.Unknown()),
    added: Type.Optional(Strings),
    removed: Type.Optional(Strings),
    sensitive: Type.Optional(Type.Literal(true)),
    forcesReplacement: Type.Optional(Type.Literal(true)),
    note: Type.Optional(Type.String()),
  },
  strict,
);

const Impact = Type.Object(
  { scopes: Strings, roles: Strings, users: Strings, applications: Strings, apiKeys: Strings },
  strict,
);

/** One entry of an OpenApiSource's import log: recorded in the store's import history on apply. */
const ImportLogItem = Type.Object(
  { action: Enum(["created", "duplicate", "skipped-reserved", "removed"]), scope: Type.String() },
  { additionalProperties: true },
);

const PlanChange = Type.Object(
  {
    action: Enum(["create", "update", "replace", "delete"]),
    kind: Enum(RESOURCE_KINDS),
    id: Type.String({ minLength: 1 }),
    replacesId: Type.Optional(Type.String({ minLength: 1 })),
    before: Type.Optional(Props),
    after: Type.Optional(Props),
    diff: Type.Array(FieldDiff),
    impact: Type.Optional(Impact),
    importLog: Type.Optional(Type.Array(ImportLogItem)),
    note: Type.Optional(Type.String()),
  },
  strict,
);

const Row = { kind: Enum(RESOURCE_KINDS), id: Type.String(), managedBy: Type.String() };

export const PlanFileSchema = Type.Object(
  {
    format: Type.Literal(PLAN_FILE_FORMAT),
    formatVersion: Type.Literal(PLAN_FILE_VERSION),
    revision: Count,
    commit: Type.Optional(CommitInfo),
    createdAt: Type.String({ format: "date-time" }),
    managedBy: Type.String({ minLength: 1 }),
    changes: Type.Array(PlanChange),
    leftAlone: Type.Array(Type.Object({ ...Row, reason: Type.Optional(Type.String()) }, strict)),
    conflicts: Type.Array(Type.Object({ ...Row, message: Type.String() }, strict)),
    summary: Type.Object({ create: Count, update: Count, replace: Count, delete: Count }, strict),
    applicable: Type.Boolean(),
    blockers: Type.Array(Type.Object({ reason: Enum(BLOCKER_REASONS), message: Type.String() }, strict)),
  },
  strict,
);
