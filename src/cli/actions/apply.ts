/**
 * The work of `scopectl apply [DIR | PLANFILE]`: apply the manifests of a folder, or a plan saved by
 * `scopectl plan --out`, to the store: all or nothing, and only if the store has not moved since the plan.
 * Declared in ../commands/apply.ts, which loads this module only when the command runs.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { ScopectlError } from "../../core/errors.ts";
import { PlanConflictError } from "../../engine/apply.ts";
import { reconcile, type SecretsSink } from "../../engine/reconcile.ts";
import type { CommitInfo } from "../../model/resources.ts";
import { readPlanFile } from "../../plan/plan-file.ts";
import { renderText } from "../../plan/render.ts";
import type { ApplyOptions } from "../commands/apply.ts";
import { colors, note, out, useColorOnStdout, warn } from "../output.ts";
import { FROM_RECORD_NOTE, withStore } from "../reconcile.ts";
import { SecretsFile } from "../secrets-file.ts";

async function isFile(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isFile();
  } catch {
    return false;
  }
}

function checkCommit(target: string, commit: CommitInfo | undefined, allowDirty: boolean): void {
  if (!commit) {
    warn(`${target} is not in a git repository: the apply records no commit`);
    return;
  }
  if (commit.dirty && !allowDirty) {
    throw new ScopectlError(
      "apply.uncommitted",
      `${target} has uncommitted changes; commit them (the store records the commit it came from) or pass --allow-dirty`,
    );
  }
  if (commit.dirty) warn(`applying uncommitted changes on top of ${commit.sha.slice(0, 12)}`);
}

async function confirm(): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new ScopectlError(
      "apply.unconfirmed",
      "there is no terminal to ask for confirmation; pass --yes to apply without asking",
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question("Apply these changes? Only 'yes' will be accepted: ");
    return answer.trim() === "yes";
  } finally {
    rl.close();
  }
}

/**
 * Where the new secrets go: the --secrets-out file, or the terminal, once. The engine opens it before
 * asking and before the transaction, so a file that cannot take the secrets stops the apply there,
 * rather than after it, when the secrets would be lost; the file is removed again if none is written.
 */
async function openSecretsSink(secretsOut: string | undefined): Promise<SecretsSink> {
  if (secretsOut) {
    const file = await SecretsFile.open(path.resolve(secretsOut), "create");
    return {
      write: async (secrets) => {
        await file.write(`${JSON.stringify(secrets, null, 2)}\n`);
        note(
          `Wrote ${secrets.length} new secret${secrets.length === 1 ? "" : "s"} to ${file.path} (mode 0600). They are not stored anywhere else.`,
        );
      },
      close: () => file.close(),
    };
  }
  return {
    write: async (secrets) => {
      out();
      out(colors.bold("New secrets, shown once (only their hashes are stored):"));
      for (const s of secrets) out(`  ${s.kind} ${s.id} ${s.field}: ${s.value}`);
    },
    close: async () => {},
  };
}

export async function apply(target: string, options: ApplyOptions): Promise<void> {
  // A saved plan is read and checked before the store is opened: a refused file changes nothing.
  const saved = (await isFile(target)) ? await readPlanFile(target) : undefined;
  await withStore(options, async (store) => {
    const result = await reconcile(
      store,
      saved
        ? { plan: saved.plan, blockers: saved.blockers }
        : { folder: target, takeOver: options.takeOver ?? false, record: !options.recompute },
      {
        actor: options.actor ?? "scopectl",
        review: ({ plan, fromRecord }) => {
          checkCommit(target, plan.commit, options.allowDirty ?? false);
          if (fromRecord) note(FROM_RECORD_NOTE);
          out(renderText(plan, { color: useColorOnStdout }));
        },
        openSecrets: () => openSecretsSink(options.secretsOut),
        ...(options.yes ? {} : { confirm }),
        onApplied: ({ revision, plan }) =>
          out(
            colors.green(
              `Applied: the store is at revision ${revision}${plan.commit ? ` (commit ${plan.commit.sha.slice(0, 12)})` : ""}.`,
            ),
          ),
      },
    );
    switch (result.outcome) {
      case "conflicts":
        throw new PlanConflictError(result.plan);
      case "blocked":
        throw new ScopectlError(
          "plan.file-invalid",
          `${target} says it cannot be applied: ${result.blockers.map((b) => b.message).join("; ")}`,
        );
      case "secrets-unavailable":
        throw result.error;
      case "cancelled":
        note("Apply cancelled; nothing was changed.");
        process.exitCode = 1;
        return;
      case "applied":
        // Applied, but the secrets could not be written: the error says so, and the exit code is 1.
        if (result.secretsError) throw result.secretsError.error;
        return;
      case "unchanged":
        return;
    }
  });
}
