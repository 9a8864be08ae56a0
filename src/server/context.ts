/** What every route of the token service shares. */

import type { Store } from "../store/types.ts";
import type { FailedAuthLimiter } from "./failed-auth-limiter.ts";
import type { Logger } from "./logger.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { TokenReuse } from "./oauth/token-reuse.ts";
import type { Snapshot } from "./snapshot.ts";

export interface ServerContext {
  /** The snapshot to serve; undefined until the first one is loaded (requests get 503). */
  snapshot(): Snapshot | undefined;
  /** For the management views that show history (import pages); never read on the token path. */
  store: Store;
  metrics: ServerMetrics;
  limiter: FailedAuthLimiter;
  logger: Logger;
  /** The token reuse cache of a snapshot, or undefined when reuse is off. */
  tokenReuse(snapshot: Snapshot): TokenReuse | undefined;
}
