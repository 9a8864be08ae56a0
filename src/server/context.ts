/** What every route of the token service shares. */

import type { Store } from "../store/store.ts";
import type { FailedAuthLimiter } from "./failed-auth-limiter.ts";
import type { Logger } from "./logger.ts";
import type { LoginLimiter } from "./login/login-limiter.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { TokenReuse } from "./oauth/token-reuse.ts";
import type { Snapshot } from "./snapshot.ts";

/** The git sync loop of the process, as the webhook sees it. */
export interface SyncHook {
  branch: string;
  trigger(): void;
  /** SCOPECTL_WEBHOOK_SECRET; without it the webhook refuses every delivery. */
  webhookSecret?: string | undefined;
}

export interface ServerContext {
  /** The snapshot to serve; undefined until the first one is loaded (requests get 503). */
  snapshot(): Snapshot | undefined;
  /**
   * The management views' history (import pages) and the sign-in state (passwords, grants, codes,
   * refresh tokens); the client credentials path never reads it.
   */
  store: Store;
  metrics: ServerMetrics;
  limiter: FailedAuthLimiter;
  loginLimiter: LoginLimiter;
  /** Present when this process also follows a git branch (`serve --sync-repo`). */
  sync?: SyncHook;
  logger: Logger;
  /** The token reuse cache of a snapshot, or undefined when reuse is off. */
  tokenReuse(snapshot: Snapshot): TokenReuse | undefined;
}
