/**
 * An Api's OpenAPI page, as the product shows it: the active file (name, SHA-256, size, commit, time),
 * the import history, and each import's log ("View logs": created, duplicate, removed). An upload-fed
 * source gets the upload / replace / delete form, shown only when the token holds the permissions the
 * write needs (docs/management-api.md), with a dry run first: the preview shows the log the write would
 * make, and only then can it be applied.
 */
import { useState } from "preact/hooks";
import { type ApiError, call, segment } from "../api.ts";
import { ErrorMessage, Show, shortSha, Time } from "../components.tsx";
import { asApiError, useApi } from "../hooks.ts";
import { holds, type Session } from "../session.ts";
import { ApiHeading } from "./api-tabs.tsx";

interface LogItem {
  action: string;
  scope: string;
  method?: string;
  path?: string;
}

interface FileInfo {
  path: string;
  sha256: string;
  size: number;
}

interface ImportEntry {
  action: "upload" | "replace" | "delete";
  source: string;
  file: FileInfo;
  revision: number;
  commit: string | null;
  time: string;
  log: LogItem[];
}

interface OpenApiPageData {
  api: string;
  source: string | null;
  uploads: boolean;
  active: (FileInfo & { commit: string | null; time: string }) | null;
  generatedScopes: number;
  history: ImportEntry[];
}

interface WriteAnswer {
  dryRun: boolean;
  changed?: boolean;
  import?: { action: string; revision: number | null; log: LogItem[]; file: FileInfo };
}

const ACTION_WORDS: Record<string, string> = { upload: "Uploaded", replace: "Replaced", delete: "Deleted" };

function LogTable(props: { log: LogItem[]; caption: string }) {
  const counts = new Map<string, number>();
  for (const item of props.log) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  return (
    <>
      <p>{[...counts].map(([action, n]) => `${n} ${action}`).join(", ") || "no scope changes"}</p>
      {props.log.length > 0 ? (
        <table>
          <caption>{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">Result</th>
              <th scope="col">Scope</th>
              <th scope="col">Operation</th>
            </tr>
          </thead>
          <tbody>
            {props.log.map((item) => (
              <tr key={`${item.action} ${item.scope}`}>
                <td>
                  <span class={`badge badge-log-${item.action}`}>{item.action}</span>
                </td>
                <td>
                  <code>{item.scope}</code>
                </td>
                <td>{item.method ? `${item.method.toUpperCase()} ${item.path ?? ""}` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

export function OpenApiPage(props: { api: string; session: Session }) {
  const [loaded, reload] = useApi<OpenApiPageData>(`/v1/apis/${segment(props.api)}/openapi`);
  return (
    <>
      <ApiHeading api={props.api} tab="openapi" />
      <Show loaded={loaded}>
        {(page) => (
          <>
            <h2>Active file</h2>
            {page.active ? (
              <dl class="facts">
                <dt>File</dt>
                <dd>
                  <code>{page.active.path}</code>
                </dd>
                <dt>SHA-256</dt>
                <dd>
                  <code class="wrap">{page.active.sha256}</code>
                </dd>
                <dt>Size</dt>
                <dd>{page.active.size.toLocaleString("en")} bytes</dd>
                <dt>Commit</dt>
                <dd>{page.active.commit ? <code>{shortSha(page.active.commit)}</code> : "uploaded"}</dd>
                <dt>Imported</dt>
                <dd>
                  <Time iso={page.active.time} />
                </dd>
                <dt>Generated scopes</dt>
                <dd>{page.generatedScopes}</dd>
              </dl>
            ) : (
              <p class="muted">
                {page.source
                  ? `No spec is imported for OpenApiSource ${page.source}.`
                  : "This API has no OpenApiSource."}
              </p>
            )}
            {page.uploads ? (
              <UploadForm
                api={props.api}
                hasActive={page.active !== null}
                session={props.session}
                onDone={reload}
              />
            ) : page.source ? (
              <p class="muted">
                Its spec comes from git: commit a change to the spec file to import it again.
              </p>
            ) : null}
            <h2>Import history</h2>
            {page.history.length === 0 ? (
              <p class="muted">No imports yet.</p>
            ) : (
              <ol class="history">
                {page.history.map((entry) => (
                  <li key={entry.revision}>
                    <p>
                      <strong>{ACTION_WORDS[entry.action] ?? entry.action}</strong>{" "}
                      <code>{entry.file.path}</code> (<code>{shortSha(entry.file.sha256)}</code>, revision{" "}
                      {entry.revision}
                      {entry.commit ? `, commit ${shortSha(entry.commit)}` : ""}), <Time iso={entry.time} />
                    </p>
                    <details>
                      <summary>View logs</summary>
                      <LogTable log={entry.log} caption={`Log of revision ${entry.revision}`} />
                    </details>
                  </li>
                ))}
              </ol>
            )}
          </>
        )}
      </Show>
    </>
  );
}

/** The file as multipart/form-data: the import records its name (a bare body would be "upload.yaml"). */
function specForm(file: File): FormData {
  const form = new FormData();
  form.append("spec", file, file.name);
  return form;
}

/** The write the form makes, and the permissions it needs (docs/management-api.md). */
function needed(kind: "put" | "delete", hasActive: boolean): string[] {
  if (kind === "delete") return ["update:apis", "delete:api_scopes"];
  return hasActive
    ? ["create:api_scopes", "update:apis", "delete:api_scopes"]
    : ["create:api_scopes", "update:apis"];
}

function UploadForm(props: { api: string; hasActive: boolean; session: Session; onDone: () => void }) {
  const path = `/v1/apis/${segment(props.api)}/openapi`;
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<{ kind: "put" | "delete"; answer: WriteAnswer } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const canPut = holds(props.session, ...needed("put", props.hasActive));
  const canDelete = props.hasActive && holds(props.session, ...needed("delete", true));
  const verb = props.hasActive ? "Replace" : "Upload";

  const run = async (kind: "put" | "delete", dryRun: boolean) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const url = `${path}?dryRun=${dryRun}`;
      const answer =
        kind === "delete"
          ? await call<WriteAnswer>(url, { method: "DELETE" })
          : await call<WriteAnswer>(url, { method: "PUT", body: specForm(file as File) });
      if (dryRun) {
        setPreview({ kind, answer });
      } else {
        setPreview(null);
        setFile(null);
        setDone(
          answer.changed === false
            ? "That file is already the active one: nothing changed."
            : `Applied: revision ${answer.import?.revision ?? "?"}.`,
        );
        props.onDone();
      }
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };

  // What the last write did stays shown even when the form it came from is no longer offered (a
  // first upload by a user who may not replace).
  const outcome = (
    <>
      {error ? <ErrorMessage error={error} /> : null}
      {done ? (
        <p class="message ok" role="status">
          {done}
        </p>
      ) : null}
    </>
  );
  if (!canPut && !canDelete) {
    return (
      <>
        {outcome}
        <p class="message note">
          {verb === "Replace" ? "Replacing" : "Uploading"} the spec needs the{" "}
          {needed("put", props.hasActive).join(", ")} permissions; your sign-in does not hold them all.
        </p>
      </>
    );
  }
  return (
    <section aria-labelledby="upload-title">
      <h2 id="upload-title">{verb} the spec</h2>
      {canPut ? (
        <form
          class="stacked"
          onSubmit={(event) => {
            event.preventDefault();
            if (file) void run("put", true);
          }}
        >
          <label for="spec-file">OpenAPI spec file (JSON or YAML)</label>
          <input
            id="spec-file"
            type="file"
            accept=".json,.yaml,.yml,application/json,application/yaml"
            onChange={(event) => {
              setPreview(null);
              setFile((event.currentTarget as HTMLInputElement).files?.[0] ?? null);
            }}
          />
          <button type="submit" disabled={!file || busy}>
            Preview {verb.toLowerCase()} (dry run)
          </button>
        </form>
      ) : (
        <p class="muted">
          Replacing needs {needed("put", true).join(", ")}; your sign-in does not hold them all.
        </p>
      )}
      {canDelete ? (
        <button type="button" class="danger" disabled={busy} onClick={() => void run("delete", true)}>
          Preview delete (dry run)
        </button>
      ) : null}
      {preview ? (
        <section class="preview" aria-labelledby="preview-title">
          <h3 id="preview-title">
            Dry run: what{" "}
            {preview.kind === "delete" ? "deleting" : props.hasActive ? "replacing" : "uploading"} would do
          </h3>
          {preview.answer.changed === false ? (
            <p>That file is already the active one: nothing would change.</p>
          ) : (
            <LogTable log={preview.answer.import?.log ?? []} caption="Dry-run log" />
          )}
          <button type="button" disabled={busy} onClick={() => void run(preview.kind, false)}>
            Apply {preview.kind === "delete" ? "delete" : verb.toLowerCase()}
          </button>
        </section>
      ) : null}
      {outcome}
    </section>
  );
}
