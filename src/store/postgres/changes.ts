/**
 * Change notifications on PostgreSQL: every apply and every key rotation runs `pg_notify` on the
 * `scopectl_changes` channel before its COMMIT (PostgreSQL delivers it at the commit, and never for a
 * transaction that rolled back), and this feed LISTENs on one dedicated client shared by every listener
 * of the store, outside the pool (LISTEN belongs to one session for as long as it lasts).
 *
 * The client is started by the first watcher and ended when the last one stops watching, or at close.
 * A lost connection (the server stopped, the network down) says `onLive(false)`: readers poll fast
 * meanwhile. The feed reconnects with a backoff from 100 ms doubling to at most 1 s between tries, so
 * that it is back within about a second of the server, and says `onLive(true)` once it LISTENs again
 * (readers then reload once, having missed what happened meanwhile). A connection that dies without a
 * word (a network partition: no error, no close for as long as TCP waits) is found by a heartbeat, a
 * `SELECT 1` every HEARTBEAT_MS that must answer within HEARTBEAT_MS.
 */
import type pg from "pg";
import type { ChangeFeedStore, ChangeListener, StoreChange } from "../changes.ts";
import { CHANGES_CHANNEL, type PostgresDatabase } from "./database.ts";

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 1000;
const HEARTBEAT_MS = 5000;

const isChange = (payload: string | undefined): payload is StoreChange =>
  payload === "revision" || payload === "keys";

/** Calls a listener without letting its failure reach the feed (or the other listeners). */
function call(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's own bug is its own: the feed keeps delivering to the others.
  }
}

export class PostgresChanges implements ChangeFeedStore {
  readonly #db: PostgresDatabase;
  readonly #listeners = new Set<ChangeListener>();
  /** The client LISTENing (or connecting to); undefined while stopped or waiting to retry. */
  #client: pg.Client | undefined;
  #live = false;
  #running = false;
  #retry: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #delay = FIRST_RETRY_MS;

  constructor(db: PostgresDatabase) {
    this.#db = db;
    db.onClose(() => this.#stop());
  }

  watchChanges(listener: ChangeListener): () => void {
    this.#db.assertOpen();
    this.#listeners.add(listener);
    if (this.#live) {
      // Joined a feed that is live already: say so, as the feed's first listener was told.
      queueMicrotask(() => {
        if (this.#live && this.#listeners.has(listener)) call(() => listener.onLive?.(true));
      });
    }
    if (!this.#running) {
      this.#running = true;
      void this.#connect();
    }
    return () => {
      if (!this.#listeners.delete(listener)) return;
      if (this.#listeners.size === 0) void this.#stop();
    };
  }

  async #connect(): Promise<void> {
    const client = this.#db.newClient(() => this.#lost(client));
    client.on("end", () => this.#lost(client));
    client.on("notification", (message) => {
      if (message.channel !== CHANGES_CHANNEL || !isChange(message.payload)) return;
      const change = message.payload;
      for (const listener of [...this.#listeners]) call(() => listener.onChange(change));
    });
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch {
      this.#lost(client);
      return;
    }
    if (this.#client !== client) return; // stopped (or lost) meanwhile: #lost/#stop ended it
    this.#delay = FIRST_RETRY_MS;
    this.#beat(client);
    this.#setLive(true);
  }

  /** Checks every HEARTBEAT_MS that `client` still answers; one that does not is lost. */
  #beat(client: pg.Client): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      if (this.#client !== client) return;
      // query_timeout: node-postgres's own per-query read timeout (not in its type declarations).
      const ping = { text: "SELECT 1", query_timeout: HEARTBEAT_MS } as pg.QueryConfig;
      client.query(ping).catch(() => this.#lost(client));
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** The connection of `client` failed or ended: tell the listeners, and try again unless stopped. */
  #lost(client: pg.Client): void {
    if (this.#client !== client) return; // an old client, already dealt with
    this.#client = undefined;
    clearInterval(this.#heartbeat);
    client.end().catch(() => undefined);
    this.#setLive(false);
    if (!this.#running) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (this.#running) void this.#connect();
    }, this.#delay);
    // A feed waiting to reconnect does not keep a process alive that has nothing else to do.
    this.#retry.unref();
    this.#delay = Math.min(this.#delay * 2, MAX_RETRY_MS);
  }

  #setLive(live: boolean): void {
    if (this.#live === live) return;
    this.#live = live;
    for (const listener of [...this.#listeners]) call(() => listener.onLive?.(live));
  }

  async #stop(): Promise<void> {
    this.#running = false;
    if (this.#retry) clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#setLive(false);
    this.#delay = FIRST_RETRY_MS;
    await client?.end().catch(() => undefined);
  }
}
