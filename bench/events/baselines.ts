/**
 * B_js, measured in the same run as the pipeline it anchors: what the nats client and Postgres
 * do alone, without our relay, consumer or handlers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import postgres from 'postgres';
import { connectNats, streamName, withNamespace } from '@ates/events';
import { dropDatabase, ensureDatabase, natsServers, withDatabase } from '@ates/service-kit';
import { natsUrl, postgresBase } from './system.ts';
import { perSecond } from '../lib/stats.ts';
import { createRawRowsTable, insertRawRows } from './db/raw-rows.ts';

/** A 200-byte body, as the issue states the baseline. */
const BODY = new TextEncoder().encode(JSON.stringify({ id: randomUUID(), pad: 'x'.repeat(146) }));

export interface JetStreamBaselines {
  /** Async publishes with message ids, `window` in flight at a time, per second. */
  publishPerSec: number;
  /** Pull consume → multi-row insert of each fetched batch → ack, per second. */
  consumeInsertAckPerSec: number;
}

/**
 * B_js publish: `count` 200-byte messages (or `body`) with message ids, `window` in flight at
 * a time; the milliseconds it took.
 */
export async function publishInWindows(
  js: JetStreamClient,
  subject: string,
  count: number,
  window: number,
  body: Uint8Array = BODY,
): Promise<number> {
  if (BODY.length !== 200) throw new Error(`baseline body is ${BODY.length} bytes, not 200`);
  const started = performance.now();
  for (let i = 0; i < count; i += window) {
    const n = Math.min(window, count - i);
    await Promise.all(Array.from({ length: n }, () => js.publish(subject, body, { msgID: randomUUID() })));
  }
  return performance.now() - started;
}

/**
 * B_js publish as a client with nats.js' default options publishes: the same messages and
 * window, but each publish builds an Error up front for the stack of a timeout (async traces),
 * which our connections turn off (connectNats). Context for the issue's and PITFALLS.md's
 * ~18–19k/s on this machine; not the baseline our figures are held to.
 */
export async function measureDefaultClientPublish(count: number, window: number): Promise<number> {
  const namespace = `benchrawdefault${process.pid}${randomBytes(2).toString('hex')}`;
  const stream = streamName(namespace, 'raw');
  const subject = withNamespace(namespace, 'raw.event');
  const nats = await connect({ servers: natsServers(natsUrl), name: 'ates-bench-raw-default' });
  const jsm = await jetstreamManager(nats);
  try {
    await jsm.streams.add({ name: stream, subjects: [subject] });
    return perSecond(count, await publishInWindows(jetstream(nats), subject, count, window));
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nats.close();
  }
}

/** One run of both B_js figures on a stream of its own (deleted at the end). */
export async function measureJetStream(
  count: number,
  window: number,
  batch: number,
): Promise<JetStreamBaselines> {
  const id = `${process.pid}_${randomBytes(2).toString('hex')}`;
  const namespace = `benchraw${id.replace('_', '')}`;
  const stream = streamName(namespace, 'raw');
  const subject = withNamespace(namespace, 'raw.event');
  const url = withDatabase(postgresBase, `ates_bench_events_${id}_raw`);
  const nats = await connectNats(natsUrl, { name: 'ates-bench-raw' });
  const jsm = await jetstreamManager(nats);
  await ensureDatabase(url);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await createRawRowsTable(sql, 'raw_rows');
    await jsm.streams.add({ name: stream, subjects: [subject] });
    const js = jetstream(nats);
    const publishPerSec = perSecond(count, await publishInWindows(js, subject, count, window));

    await jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get(stream, 'raw');
    const started = performance.now();
    let seen = 0;
    while (seen < count) {
      const messages = await consumer.fetch({ max_messages: batch, expires: 5000 });
      const got = [];
      for await (const msg of messages) got.push(msg);
      if (got.length === 0) continue;
      const rows = got.map((m) => ({ id: randomUUID(), stream_seq: m.seq, payload: m.string() }));
      await insertRawRows(sql, 'raw_rows', rows);
      for (const msg of got) msg.ack();
      seen += got.length;
    }
    const consumeInsertAckPerSec = perSecond(count, performance.now() - started);
    return { publishPerSec, consumeInsertAckPerSec };
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nats.close();
    await sql.end();
    await dropDatabase(url);
  }
}
