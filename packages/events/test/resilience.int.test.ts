import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, natsAddress, natsServers } from '@ates/service-kit';
import { testNatsUrl } from '@ates/testing';
import { connectNats, enqueueEvents, startConsumer, startOutboxRelay } from '../src/index.ts';
import { consumerOptions, expectAppliedOnce, recordingHandlers } from './support/consumers.ts';
import { createHarness, logger, schema, userCreated, type EventsHarness } from './support/harness.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

let h: EventsHarness;
let natsProxy: TcpProxy;
beforeAll(async () => {
  h = await createHarness('resilience');
  const server = natsAddress(natsServers(testNatsUrl())[0]!);
  natsProxy = await startTcpProxy(server.port, server.host);
});
afterAll(async () => {
  await natsProxy?.close();
  await h?.close();
});

/** A relay and a recording consumer on `nats`, quick to retry: what must ride out a NATS outage. */
async function relayAndConsumer(nats: Awaited<ReturnType<typeof connectNats>>, name: string) {
  const relay = startOutboxRelay({
    sql: h.database.sql,
    nats,
    namespace: h.namespace,
    logger,
    batchSize: 50,
    publishTimeoutMs: 500,
    minBackoffMs: 20,
    maxBackoffMs: 200,
  });
  const consumer = await startConsumer(
    consumerOptions(h, name, recordingHandlers(name), { nats, ackWaitMs: 1000 }),
  );
  return {
    /** Everything enqueued is published and applied. */
    async settled() {
      await relay.drained({ timeoutMs: 30_000 });
      await consumer.caughtUp({ timeoutMs: 30_000 });
    },
    /** Stops both; whether each of the events was applied exactly once. */
    async stopAndCheck(events: readonly { id: string }[]) {
      await consumer.stop();
      await relay.stop();
      return expectAppliedOnce(
        h,
        name,
        events.map((e) => e.id),
      );
    },
  };
}

describe('surviving NATS and Postgres outages', () => {
  it('delivers every event exactly once when NATS goes away mid-stream and comes back', async () => {
    // The relay and the consumer reach NATS through a proxy the test can cut.
    const nats = await connectNats(natsProxy.url('nats'), { reconnectTimeWaitMs: 50 });
    const pipeline = await relayAndConsumer(nats, 'survivor');
    const events = Array.from({ length: 600 }, () => userCreated());
    for (let i = 0; i < events.length; i += 100) {
      if (i === 300) {
        await natsProxy.cut();
        setTimeout(() => void natsProxy.restore(), 300);
      }
      await h.database.db.transaction((tx) => enqueueEvents(tx, events.slice(i, i + 100)));
    }
    await pipeline.settled();
    expect(await pipeline.stopAndCheck(events)).toBe(true);
    await nats.close();
  });

  it('goes on through another server of a comma-separated NATS_URL when its server is gone for good', async () => {
    // Two "servers" of one cluster: two proxies in front of the same NATS. The one the client
    // picked dies and never comes back; the relay and the consumer must carry on through the other.
    const nats0 = natsAddress(natsServers(testNatsUrl())[0]!);
    const proxies = [
      await startTcpProxy(nats0.port, nats0.host),
      await startTcpProxy(nats0.port, nats0.host),
    ];
    const nats = await connectNats(proxies.map((p) => p.url('nats')).join(','), { reconnectTimeWaitMs: 50 });
    try {
      const pipeline = await relayAndConsumer(nats, 'cluster-survivor');
      const events = Array.from({ length: 400 }, () => userCreated());
      await h.database.db.transaction((tx) => enqueueEvents(tx, events.slice(0, 200)));
      const used = proxies.findIndex((p) => p.connections() > 0);
      expect(used).toBeGreaterThanOrEqual(0);
      await proxies[used]!.cut();
      await h.database.db.transaction((tx) => enqueueEvents(tx, events.slice(200)));
      await pipeline.settled();
      expect(proxies[1 - used]!.connections()).toBe(1);
      expect(await pipeline.stopAndCheck(events)).toBe(true);
    } finally {
      await nats.close();
      await Promise.all(proxies.map((p) => p.close()));
    }
  });

  it('the relay reconnects after Postgres dropped its connections, as on a restart', async () => {
    const db = connectDatabase(h.testDb.url, schema, { max: 2, applicationName: 'relay-under-test' });
    // The polling fallback is what guarantees recovery: postgres.js 3.4.9 does not reliably
    // re-establish a LISTEN whose connection the server terminated (porsager/postgres#1154),
    // so a relay that waited for NOTIFY alone could sleep through the outage's aftermath.
    const relay = startOutboxRelay({
      sql: db.sql,
      nats: h.nats,
      namespace: h.namespace,
      logger,
      pollIntervalMs: 500,
    });
    const consumer = await startConsumer(consumerOptions(h, 'pg-survivor', recordingHandlers('pg-survivor')));
    const before = [userCreated(), userCreated()];
    await h.database.db.transaction((tx) => enqueueEvents(tx, before));
    await relay.drained();
    // What a restart does to every client: the server terminates their backends. (They are
    // idle here: postgres.js 3.4.9 can hang or crash when a connection dies mid-write.)
    const killed = await h.database.sql<{ pid: number }[]>`
      select pid, pg_terminate_backend(pid) from pg_stat_activity where application_name = 'relay-under-test'`;
    expect(killed.length).toBeGreaterThanOrEqual(2);
    const pids = killed.map((k) => k.pid);
    for (;;) {
      const [left] = await h.database
        .sql`select count(*)::int as n from pg_stat_activity where pid = any(${pids})`;
      if (left?.n === 0) break;
    }
    const after = [userCreated(), userCreated()];
    await h.database.db.transaction((tx) => enqueueEvents(tx, after));
    await relay.drained();
    await consumer.caughtUp();
    await consumer.stop();
    await relay.stop();
    await db.close();
    expect(
      await expectAppliedOnce(
        h,
        'pg-survivor',
        [...before, ...after].map((e) => e.id),
      ),
    ).toBe(true);
  });
});
