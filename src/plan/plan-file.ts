/**
 * The saved plan file: `scopectl plan --out FILE` writes it and `scopectl apply FILE` reads it back,
 * perhaps later and on another machine. It is the plan (plan/types.ts, with the props an apply writes,
 * which `plan --json` leaves out) plus three fields that let the file speak for itself:
 *   - `format: "scopectl-plan"`: what the file is (any other JSON file given to apply is refused);
 *   - `applicable`: whether apply can apply it;
 *   - `blockers`: why not, one `{reason, message}` each (empty when applicable).
 * Reading checks the file against its schema (plan-file-schema.ts) and the rules a schema cannot say,
 * because a file on disk may be cut short (a full disk, a bad copy), edited by hand, or made by another
 * version: each is refused with an error that names the file and the field, before anything is applied.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { ScopectlError } from "../core/errors.ts";
import { blockersOf, type PlanBlocker } from "./applicability.ts";
import { PLAN_FILE_FORMAT, PLAN_FILE_VERSION, PlanFileSchema } from "./plan-file-schema.ts";
import type { Plan, PlanAction } from "./types.ts";

// ajv-formats is CommonJS: under NodeNext the default import is `module.exports`, typed as the namespace.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

const REMAKE = "make a new one with scopectl plan --out";

/** A plan file that cannot be used; nothing was applied. */
export class PlanFileError extends ScopectlError {
  static readonly code = "plan.file-invalid";
  declare readonly code: typeof PlanFileError.code;

  readonly file: string;
  constructor(file: string, problem: string) {
    super(PlanFileError.code, `${file} ${problem}`);
    this.name = "PlanFileError";
    this.file = file;
  }
}

/** A plan file read back: the plan, and what the file says about applying it. */
export interface SavedPlan {
  plan: Plan;
  applicable: boolean;
  blockers: PlanBlocker[];
}

type PlanFileContent = Plan & { format: string; applicable: boolean; blockers: PlanBlocker[] };

/** The file's text: the plan's own fields in their order, `format` first, the verdict last. */
export function planFileText(plan: Plan): string {
  const blockers = blockersOf(plan);
  const content = { format: PLAN_FILE_FORMAT, ...plan, applicable: blockers.length === 0, blockers };
  return `${JSON.stringify(content, null, 2)}\n`;
}

export async function writePlanFile(file: string, plan: Plan): Promise<void> {
  // 0600: the plan holds the props an apply writes, among them the hashes of secrets.
  await writeFile(file, planFileText(plan), { mode: 0o600 });
}

export async function readPlanFile(file: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new PlanFileError(file, `cannot be read: ${(error as Error).message}`);
  }
  return parsePlanFile(text, file);
}

/** Parses and checks a plan file's text; `file` names it in the errors. */
export function parsePlanFile(text: string, file: string): SavedPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanFileError(
      file,
      `is not a saved plan: it is not complete JSON (${(error as Error).message}); was it cut short or edited by hand? Make a new one with scopectl plan --out`,
    );
  }
  checkFormat(file, value);
  const problems = schemaProblems(value);
  if (problems.length === 0) problems.push(...ruleProblems(value as PlanFileContent));
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join("; ");
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
    throw new PlanFileError(file, `is not a valid saved plan: ${shown}${more}; ${REMAKE}`);
  }
  const { format: _format, applicable, blockers, ...plan } = value as PlanFileContent;
  return { plan, applicable, blockers };
}

/** What the file is and which version, first: the schema's errors would not say it half as clearly. */
function checkFormat(file: string, value: unknown): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PlanFileError(file, `is not a saved plan: it holds ${jsonType(value)}, not a JSON object`);
  }
  const { format, formatVersion, changes } = value as Record<string, unknown>;
  if (format === undefined) {
    const older = formatVersion === 1 && Array.isArray(changes);
    throw new PlanFileError(
      file,
      older
        ? `was saved by an older scopectl (it has no "format" field); ${REMAKE}`
        : `is not a saved plan: it has no "format" field (a saved plan says "format": "${PLAN_FILE_FORMAT}")`,
    );
  }
  if (format !== PLAN_FILE_FORMAT) {
    throw new PlanFileError(
      file,
      `is not a saved plan: its "format" is ${shortJson(format)}, not "${PLAN_FILE_FORMAT}"`,
    );
  }
  if (formatVersion !== PLAN_FILE_VERSION) {
    throw new PlanFileError(
      file,
      formatVersion === undefined
        ? `is not a valid saved plan: it has no "formatVersion" field; ${REMAKE}`
        : `has formatVersion ${shortJson(formatVersion)}, and this scopectl reads version ${PLAN_FILE_VERSION} only; ${REMAKE}`,
    );
  }
}

let validator: ValidateFunction | undefined;

function schemaProblems(value: unknown): string[] {
  if (!validator) {
    // allErrors: name every wrong field at once. verbose: errors carry the offending value, quoted back.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    addFormats(ajv, ["date-time"]);
    validator = ajv.compile(PlanFileSchema);
  }
  return validator(value) ? [] : (validator.errors ?? []).map(describeSchemaError);
}

/** `/changes/3/action` → `changes[3].action`, the way a reader finds it in the file. */
function fieldName(pointer: string, child?: string): string {
  const parts = pointer.split("/").slice(1);
  if (child !== undefined) parts.push(child);
  const name = parts
    .map((raw) => raw.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), "");
  return name || "the top level";
}

function describeSchemaError(error: ErrorObject): string {
  const field = fieldName(error.instancePath);
  const got = `, not ${shortJson(error.data)}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `${fieldName(error.instancePath, String(params.missingProperty))} is missing`;
    case "additionalProperties":
      return `${fieldName(error.instancePath, String(params.additionalProperty))} is not a field of a saved plan`;
    case "type":
      return `${field} must be ${article(String(params.type))}, not ${jsonType(error.data)}`;
    case "enum":
      return `${field} must be one of ${(params.allowedValues as unknown[]).join(", ")}${got}`;
    case "const":
      return `${field} must be ${shortJson(params.allowedValue)}${got}`;
    default:
      return `${field} ${error.message ?? "is not valid"}${got}`;
  }
}

/** What a change needs to be applied: the row to remove (`before`) and the props to write (`after`). */
const NEEDS: Record<PlanAction, readonly ("before" | "after")[]> = {
  create: ["after"],
  update: ["before", "after"],
  replace: ["before", "after"],
  delete: ["before"],
};

/** The rules between fields, once the shape is right: each of them is what an apply relies on. */
function ruleProblems(content: PlanFileContent): string[] {
  const problems: string[] = [];
  const { applicable, blockers, changes, summary } = content;
  if (applicable && blockers.length > 0) {
    problems.push(`applicable is true, but blockers names ${blockers.length} reason(s) it cannot be applied`);
  }
  if (!applicable && blockers.length === 0) {
    problems.push("applicable is false, but blockers is empty (a plan that cannot be applied says why)");
  }
  changes.forEach((change, i) => {
    for (const side of NEEDS[change.action]) {
      if (change[side] === undefined) {
        problems.push(
          `changes[${i}].${side} is missing (a ${change.action} of ${change.kind} ${change.id} needs it)`,
        );
      }
    }
  });
  // The revision records the summary: it must count the changes that are applied.
  for (const action of Object.keys(NEEDS) as PlanAction[]) {
    const count = changes.filter((change) => change.action === action).length;
    if (summary[action] !== count) {
      problems.push(`summary.${action} is ${summary[action]}, but the plan has ${count} ${action} change(s)`);
    }
  }
  return problems;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return article(typeof value === "number" && Number.isInteger(value) ? "integer" : typeof value);
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

/** A value quoted back in an error, cut short: a hand-edited file may hold anything. */
function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
