/** A change's field diffs as plans render them (the server masks secrets before they get here). */
interface DiffLine {
  path: string;
  before?: unknown;
  after?: unknown;
  added?: string[];
  removed?: string[];
  note?: string;
}

export interface Change {
  action: string;
  kind: string;
  id: string;
  diff: DiffLine[];
}

const shown = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

export function Changes(props: { changes: Change[]; caption: string }) {
  if (props.changes.length === 0) return <p class="muted">No changes.</p>;
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Change</th>
          <th scope="col">Resource</th>
          <th scope="col">Fields</th>
        </tr>
      </thead>
      <tbody>
        {props.changes.map((change) => (
          <tr key={`${change.kind}/${change.id}`}>
            <td>
              <span class={`badge badge-change-${change.action}`}>{change.action}</span>
            </td>
            <td>
              {change.kind} <code>{change.id}</code>
            </td>
            <td>
              <ul class="diff">
                {change.diff.map((line) => (
                  <li key={line.path}>
                    <code>{line.path}</code>
                    {line.before !== undefined ? (
                      <>
                        {" "}
                        <del>{shown(line.before)}</del>
                      </>
                    ) : null}
                    {line.after !== undefined ? (
                      <>
                        {" "}
                        → <ins>{shown(line.after)}</ins>
                      </>
                    ) : null}
                    {line.added?.length ? <> added {line.added.join(", ")}</> : null}
                    {line.removed?.length ? <> removed {line.removed.join(", ")}</> : null}
                    {line.note ? <span class="muted"> ({line.note})</span> : null}
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
