/**
 * Change notifications: how a token service learns, without waiting for its next poll, that another
 * process moved the store's revision or its signing keys. PostgreSQL pushes them (LISTEN/NOTIFY: every
 * apply and every key rotation notifies at commit); SQLite has no such channel, so its feed is never
 * live and readers poll. A feed may go quiet (a lost connection): `onLive(false)` says so, and readers
 * poll fast until `onLive(true)` says the feed is back (having missed what happened meanwhile, they
 * reload once then). Backend-neutral: every Store implementation keeps this shape.
 */

/** What moved: the reconciled state (a new revision) or the signing keys. */
export type StoreChange = "revision" | "keys";

export interface ChangeListener {
  /** Called (at most about once per change; possibly for a change this process made) after a commit. */
  onChange(change: StoreChange): void;
  /** The feed started or stopped delivering. Not called at all by a store whose feed is never live. */
  onLive?(live: boolean): void;
}

export interface ChangeFeedStore {
  /** Starts delivering changes to `listener`; the returned function stops it. */
  watchChanges(listener: ChangeListener): () => void;
}
