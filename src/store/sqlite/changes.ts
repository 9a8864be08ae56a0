/**
 * Change notifications on SQLite: there is no channel between the processes that share a file, so the
 * feed is never live and readers poll the revision and keys version (cheap: two one-row reads).
 */
import type { ChangeFeedStore, ChangeListener } from "../changes.ts";

export class SqliteChanges implements ChangeFeedStore {
  watchChanges(_listener: ChangeListener): () => void {
    return () => {};
  }
}
