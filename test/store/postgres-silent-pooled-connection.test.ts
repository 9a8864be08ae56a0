/**
 * A pooled PostgreSQL connection that goes silent (its server's machine gone: no reset, no close, TCP
 * retransmitting for a quarter of an hour) must fail the call that lands on it as StoreUnavailableError,
 * not hang it: a token request would hang with it, and the rate limiters' probes (each abandoned after
 * a second, the statement still waiting) would take every pooled client hostage, so that sign-ins fail
 * long after the database is back. Modelled by a loopback proxy that stops moving the bytes of the
 * connections it holds while new connections reach the server (a failover to a new machine).
 */
import assert from "node:assert/strict";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { openStore } from "../../src/store/open.ts";
import { StoreUnavailableError } from "../../src/store/store.ts";
import { postgresForFile } from "../support/postgres.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const postgres = postgresForFile();

/** A proxy whose `silence()` stops the connections it holds now; later ones pass. */
async function silencingProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const silenced = new Set<Socket>();
  return {
    port: (server.address() as AddressInfo).port,
    silence() {
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
        silenced.add(socket);
      }
    },
    async close() {
      for (const socket of [...sockets, ...silenced]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("PostgreSQL store: a pooled connection gone silent", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a read or a sign-in write on it fails as unavailable, and the next call connects anew", {
    timeout: 120_000,
  }, async () => {
    const url = new URL(await postgres.database());
    const proxy = await silencingProxy(Number(url.port));
    url.port = String(proxy.port);
    const store = await openStore(url.toString());
    try {
      assert.equal(await store.passwordHash("nobody"), undefined); // a pooled client, idle now
      proxy.silence();
      await assert.rejects(store.passwordHash("nobody"), StoreUnavailableError);
      assert.equal(await store.passwordHash("nobody"), undefined);

      // Sign-in writes have a pool of their own (the runtime pool): give it an idle client too.
      const nowhere = { status: "unknown" };
      assert.deepEqual(await store.redeemCode("0".repeat(64), new Date().toISOString()), nowhere);
      proxy.silence();
      await assert.rejects(store.redeemCode("0".repeat(64), new Date().toISOString()), StoreUnavailableError);
      assert.deepEqual(await store.redeemCode("0".repeat(64), new Date().toISOString()), nowhere);
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
