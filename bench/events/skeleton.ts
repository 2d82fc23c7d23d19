/**
 * The pipeline's shape with nothing in it: the ceiling of two hops on this machine.
 *
 * The bench publishes the first hop's messages to stream A as B_js publish does (a window in
 * flight); a hop process pull-consumes A, inserts each micro-batch in one statement (a row per
 * message), publishes its share of the second hop's messages to stream B and acks; a sink
 * process consumes B, inserts and acks. Time from the first publish until the sink has written
 * every row, per event the pipeline carries (`count`, the assignments). Each hop carries as many
 * messages of the same size as the real pipeline's hop did in the run beside it (`shape`): a
 * ceiling that carried one message per assignment while the pipeline carries one per chunk or
 * per batch would say nothing about it. That is what tasks → accounting
 * → analytics is (a producer, a consumer that writes and publishes, a consumer that writes),
 * minus the outbox, the inbox, schemas and every business rule: no real pipeline of that shape
 * on these cores can be faster, so it bounds what figure 2 can reach against B_js publish.
 *
 * `rows`: the same hops, each also writing the rows its real stage cannot do without per
 * assignment (skeleton-stage.ts): the hop a ledger row in accounting's own table (migrated, with
 * its indexes) and each account's balance, in accounting's lanes; the sink each account's
 * balance of the day, as analytics does. The ceiling of a pipeline that keeps a ledger.
 */
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import postgres from 'postgres';
import { connectNats, streamName, withNamespace } from '@ates/events';
import { applyMigrations, dropDatabase, ensureDatabase, withDatabase } from '@ates/service-kit';
import { migrationsFolder as accountingMigrations } from '@ates/accounting';
import { processesCpuMs, selfCpuMs } from '../lib/cpu.ts';
import { startChild, stopChild, treeCpuMs, waitForMessage, type Child } from '../lib/processes.ts';
import { perSecond } from '../lib/stats.ts';
import { publishInWindows } from './baselines.ts';
import { natsUrl, postgresBase } from './system.ts';
import { createDailyBalances, openCeilingAccounts } from './db/ceiling-rows.ts';
import { createRawRowsTable } from './db/raw-rows.ts';

const STAGE = path.resolve(import.meta.dirname, 'skeleton-stage.ts');

/** What one hop of the pipeline carried: messages and their mean body size. */
export interface HopShape {
  messages: number;
  bytes: number;
}

export interface SkeletonResult {
  perSec: number;
  /** CPU of every process involved (the bench, both stages, Postgres, NATS) per message, µs. */
  cpuUsPerEvent: number;
  /** That CPU by process, µs per message. */
  cpuUs: Record<string, number>;
  /** The messages each hop carried (tasks → accounting, accounting → analytics). */
  shape: [HopShape, HopShape];
}

/**
 * `ackAll`: the consumers ack once per batch (AckPolicy.All) instead of each message, which a
 * real consumer cannot do (it naks, retries and dead-letters one message at a time); measured
 * to show the ceiling does not hinge on acks. `shape`: the messages of each hop (default one
 * 200-byte message per event on both).
 */
export async function measureSkeleton(
  count: number,
  window: number,
  options: {
    ackAll?: boolean;
    shape?: [HopShape, HopShape];
    rows?: { accounts: number; lanes: number };
  } = {},
): Promise<SkeletonResult> {
  const shape = options.shape ?? [
    { messages: count, bytes: 200 },
    { messages: count, bytes: 200 },
  ];
  const id = `${process.pid}_${randomBytes(2).toString('hex')}`;
  const namespace = `benchskel${id.replace('_', '')}`;
  const url = withDatabase(postgresBase, `ates_bench_events_${id}_skeleton`);
  const nats = await connectNats(natsUrl, { name: 'ates-bench-skeleton' });
  const jsm = await jetstreamManager(nats);
  const hops = ['a', 'b'].map((name) => ({
    stream: streamName(namespace, name),
    subject: withNamespace(namespace, `${name}.event`),
    table: `skeleton_${name}`,
  }));
  const children: Child[] = [];
  if (options.rows) await applyMigrations(url, accountingMigrations);
  else await ensureDatabase(url);
  try {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    if (options.rows) {
      await openCeilingAccounts(
        sql,
        Array.from({ length: options.rows.accounts }, () => randomUUID()),
      );
      await createDailyBalances(sql);
    }
    for (const hop of hops) {
      await createRawRowsTable(sql, hop.table);
      await jsm.streams.add({ name: hop.stream, subjects: [hop.subject] });
      await jsm.consumers.add(hop.stream, {
        durable_name: 'skeleton',
        ack_policy: options.ackAll ? AckPolicy.All : AckPolicy.Explicit,
      });
    }
    await sql.end();
    hops.forEach((hop, i) => {
      const env = {
        ...process.env,
        SKELETON_STREAM: hop.stream,
        SKELETON_CONSUMER: 'skeleton',
        SKELETON_TABLE: hop.table,
        SKELETON_EXPECT: String(shape[i]!.messages),
        SKELETON_ACK_ALL: String(options.ackAll === true),
        SKELETON_NATS_URL: natsUrl,
        SKELETON_DATABASE_URL: url,
        ...(options.rows
          ? {
              SKELETON_ROWS: i === 0 ? 'ledger' : 'balances',
              SKELETON_ROWS_TOTAL: String(count),
              SKELETON_LANES: String(options.rows.lanes),
            }
          : {}),
        ...(hops[i + 1]
          ? {
              SKELETON_NEXT_SUBJECT: hops[i + 1]!.subject,
              SKELETON_NEXT_COUNT: String(shape[i + 1]!.messages),
              SKELETON_NEXT_BYTES: String(shape[i + 1]!.bytes),
            }
          : {}),
      };
      children.push(
        startChild(i + 1 < hops.length ? 'hop' : 'sink', process.execPath, ['--import', 'tsx', STAGE], {
          env,
          ipc: true,
        }),
      );
    });
    await Promise.all(children.map((c) => waitForMessage(c, 'ready', 60_000)));
    const sink = children.at(-1)!;
    const done = waitForMessage(sink, 'done', 120_000);
    done.catch(() => undefined); // awaited below, after the publishing; a failure meanwhile is not unhandled
    const cpuBefore = cpuNow(children);
    const started = performance.now();
    await publishInWindows(
      jetstream(nats),
      hops[0]!.subject,
      shape[0].messages,
      window,
      bodyOf(shape[0].bytes),
    );
    await done;
    const ms = performance.now() - started;
    const cpuAfter = cpuNow(children);
    const cpuUs = Object.fromEntries(
      Object.entries(cpuAfter).map(([name, after]) => [
        name,
        Math.round(((after - cpuBefore[name]!) * 1000) / count),
      ]),
    );
    const cpuUsPerEvent = Object.values(cpuUs).reduce((sum, us) => sum + us, 0);
    return { perSec: perSecond(count, ms), cpuUsPerEvent, cpuUs, shape };
  } finally {
    await Promise.all(children.map(stopChild));
    for (const hop of hops) await jsm.streams.delete(hop.stream).catch(() => undefined);
    await nats.close();
    await dropDatabase(url);
  }
}

/** A JSON body of `bytes` bytes (at least a uuid's worth), as the hop stage builds its own. */
function bodyOf(bytes: number): Uint8Array {
  const head = JSON.stringify({ id: randomUUID(), pad: '' });
  return new TextEncoder().encode(
    JSON.stringify({ id: randomUUID(), pad: 'x'.repeat(Math.max(0, bytes - head.length)) }),
  );
}

/** CPU ms so far of the producer (this process), each stage, Postgres and NATS. */
function cpuNow(children: Child[]): Record<string, number> {
  return {
    producer: selfCpuMs(),
    ...Object.fromEntries(children.map((child) => [child.name, treeCpuMs(child.pid)])),
    postgres: processesCpuMs('postgres'),
    nats: processesCpuMs('nats-server'),
  };
}
