/** Loading a /v1 answer into a page: its state, and a way to load it again after a write. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, call } from "./api.ts";

export type Loaded<T> =
  | { status: "loading" }
  | { status: "ok"; data: T }
  | { status: "error"; error: ApiError };

const asApiError = (error: unknown): ApiError =>
  error instanceof ApiError
    ? error
    : new ApiError(0, "network", error instanceof Error ? error.message : String(error));

export function useApi<T>(path: string | null): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setState((previous) => (previous.status === "ok" ? previous : { status: "loading" }));
    call<T>(path).then(
      (data) => current && setState({ status: "ok", data }),
      (error: unknown) => current && setState({ status: "error", error: asApiError(error) }),
    );
    return () => {
      current = false;
    };
  }, [path, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return [state, reload];
}

export { asApiError };
