/**
 * Prometheus metrics (prom-client), on a registry of the server's own so that several servers in one
 * process (tests) keep separate counts. Labels are bounded: grants, refusal reasons (OAuth error
 * codes), route patterns and status codes; never client ids or tokens.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface ServerMetrics {
  registry: Registry;
  tokensIssued: Counter<"grant">;
  tokensRefused: Counter<"grant" | "reason">;
  introspections: Counter<"result">;
  signIns: Counter<"result">;
  requestDuration: Histogram<"method" | "route" | "status">;
  snapshotRevision: Gauge;
  snapshotReloads: Counter<"result">;
}

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "scopectl_" });
  return {
    registry,
    tokensIssued: new Counter({
      name: "scopectl_tokens_issued_total",
      help: "Access tokens issued, by grant type.",
      labelNames: ["grant"],
      registers: [registry],
    }),
    tokensRefused: new Counter({
      name: "scopectl_tokens_refused_total",
      help: "Token requests refused, by grant type and reason (the OAuth error code, or rate_limited).",
      labelNames: ["grant", "reason"],
      registers: [registry],
    }),
    introspections: new Counter({
      name: "scopectl_introspections_total",
      help: "Introspection answers, by result (active, inactive, refused).",
      labelNames: ["result"],
      registers: [registry],
    }),
    signIns: new Counter({
      name: "scopectl_sign_ins_total",
      help: "Login form submissions, by result (ok, failed, disabled, rate_limited, refused, unavailable).",
      labelNames: ["result"],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: "scopectl_http_request_duration_seconds",
      help: "HTTP request latency, by method, route pattern and status.",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    snapshotRevision: new Gauge({
      name: "scopectl_snapshot_revision",
      help: "Store revision of the snapshot being served.",
      registers: [registry],
    }),
    snapshotReloads: new Counter({
      name: "scopectl_snapshot_reloads_total",
      help: "Snapshot reloads, by result (ok, error).",
      labelNames: ["result"],
      registers: [registry],
    }),
  };
}
