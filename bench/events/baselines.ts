import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { AckPolicy, jetstream } from '@nats-io/jetstream';
import { withNamespace } from '@ates/events';
import { benchEvent, rate, rawStream, type BenchEnv } from './setup.ts';

/** Raw Postgres: multi-row inserts of the same envelopes, `txSize` rows per statement. */
export async function rawPostgresInsert(env: BenchEnv, count: number, txSize: number): Promise<number> {
  // A client of its own: drizzle-shared clients have postgres.js's json serializer turned off.
  const sql = postgres(env.url, { max: 1, onnotice: () => {} });
  try {
    const started = performance.now();
    for (let i = 0; i < count; i += txSize) {
      const rows = Array.from({ length: Math.min(txSize, count - i) }, () => {
        const event = benchEvent();
        return { id: event.id, payload: sql.json(event as unknown as Parameters<typeof sql.json>[0]) };
      });
      await sql`insert into raw_rows ${sql(rows)}`;
    }
    return rate(count, performance.now() - started);
  } finally {
    await sql.end();
  }
}

/** Raw JetStream: pipelined publishes with message ids, `window` in flight at a time. */
export async function rawJetStreamPublish(env: BenchEnv, count: number, window: number): Promise<number> {
  await env.jsm.streams.add({
    name: rawStream(env.namespace),
    subjects: [withNamespace(env.namespace, 'raw.>')],
  });
  const js = jetstream(env.nats);
  const subject = withNamespace(env.namespace, 'raw.user.created');
  const body = new TextEncoder().encode(JSON.stringify(benchEvent()));
  const started = performance.now();
  for (let i = 0; i < count; i += window) {
    const n = Math.min(window, count - i);
    await Promise.all(Array.from({ length: n }, () => js.publish(subject, body, { msgID: randomUUID() })));
  }
  return rate(count, performance.now() - started);
}

/** Raw JetStream: a durable pull consumer acking every message of the raw stream. */
export async function rawJetStreamConsume(env: BenchEnv, count: number): Promise<number> {
  const stream = rawStream(env.namespace);
  await env.jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit });
  const consumer = await jetstream(env.nats).consumers.get(stream, 'raw');
  const started = performance.now();
  let seen = 0;
  const messages = await consumer.consume({ max_messages: 1000 });
  for await (const msg of messages) {
    msg.ack();
    seen += 1;
    if (seen === count) break;
  }
  return rate(count, performance.now() - started);
}
