/** Placeholder: the PostgreSQL store is being written (issue 14). */
import type { Store } from "../store.ts";

export async function openPostgresStore(
  _url: string,
  _options: { busyTimeoutMs?: number } = {},
): Promise<Store> {
  throw new Error("the PostgreSQL store is not implemented yet");
}
