/**
 * One stage of the two-hop skeleton (skeleton.ts), in a process of its own as each service is:
 * pull-consume a stream, write each micro-batch as one multi-row insert, then (a hop) publish
 * its share of the next hop's messages with every publish of the batch in flight, then ack
 * (each message, or the batch's last where the consumer acks all).
 * No outbox, no inbox, no schema, no business logic: the least a hop of the pipeline can do.
 *
 * A hop publishes SKELETON_NEXT_COUNT messages of SKELETON_NEXT_BYTES in all, spread over its
 * batches in proportion to what it has read (the pipeline's shape: as many messages per hop,
 * of the same size, as the real services sent in the run measured beside it).
 *
 * With SKELETON_ROWS (the ceiling with rows), each batch also writes its share of the
 * SKELETON_ROWS_TOTAL assignments' rows that the real stage cannot do without: `ledger` (the hop,
 * as accounting) a ledger row per assignment in accounting's own table and each account's
 * balance once, in SKELETON_LANES transactions at once (accounting's lanes); `balances` (the
 * sink, as analytics) each account's balance of the day once.
 *
 * Its settings come from the environment (SKELETON_*); it reports `{ type: 'ready' }` and, a
 * sink, `{ type: 'done' }` once it has written SKELETON_EXPECT rows, over IPC.
 */
import { randomUUID } from 'node:crypto';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import postgres from 'postgres';
import { connectNats } from '@ates/events';
import { ceilingAccountIds, upsertDailyBalances, writeLedgerRows } from './db/ceiling-rows.ts';
import { insertRawRows } from './db/raw-rows.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

async function main() {
  const stream = env('SKELETON_STREAM');
  const consumerName = env('SKELETON_CONSUMER');
  const table = env('SKELETON_TABLE');
  const next = process.env.SKELETON_NEXT_SUBJECT;
  const expect = Number(env('SKELETON_EXPECT'));
  const ackAll = process.env.SKELETON_ACK_ALL === 'true';
  const nextCount = Number(process.env.SKELETON_NEXT_COUNT ?? expect);
  const nextBody = bodyOf(Number(process.env.SKELETON_NEXT_BYTES ?? 200));
  const nats = await connectNats(env('SKELETON_NATS_URL'), { name: `ates-bench-skeleton-${table}` });
  const rowsKind = process.env.SKELETON_ROWS as 'ledger' | 'balances' | undefined;
  const rowsTotal = Number(process.env.SKELETON_ROWS_TOTAL ?? 0);
  const lanes = Number(process.env.SKELETON_LANES ?? 4);
  const sql = postgres(env('SKELETON_DATABASE_URL'), { max: lanes + 2, onnotice: () => {} });
  const accounts = rowsKind ? await ceilingAccountIds(sql) : [];
  let rowsWritten = 0;
  /** This batch's share of the assignments' rows: all of them once every message is read. */
  const writeRows = async (read: number) => {
    const due = Math.floor((read * rowsTotal) / expect) - rowsWritten;
    if (!rowsKind || due <= 0) return;
    const first = rowsWritten;
    rowsWritten += due;
    const perLane = Array.from({ length: rowsKind === 'ledger' ? lanes : 1 }, () => ({
      postings: [] as string[],
      deltas: new Map<string, number>(),
    }));
    for (let n = first; n < first + due; n++) {
      const account = accounts[n % accounts.length]!;
      const lane = perLane[(n % accounts.length) % perLane.length]!;
      lane.postings.push(account);
      lane.deltas.set(account, (lane.deltas.get(account) ?? 0) - 15);
    }
    await Promise.all(
      perLane.map(({ postings, deltas }) => {
        if (postings.length === 0) return undefined;
        const [ids, amounts] = [[...deltas.keys()], [...deltas.values()]];
        return rowsKind === 'ledger'
          ? writeLedgerRows(sql, postings, ids, amounts)
          : upsertDailyBalances(sql, ids, amounts);
      }),
    );
  };
  const js = jetstream(nats);
  const consumer = await js.consumers.get(stream, consumerName);
  const messages = await consumer.consume({ max_messages: 1000 });
  const send = (message: unknown) => process.send?.(message);
  send({ type: 'ready' });

  let buffered: JsMsg[] = [];
  let written = 0;
  let sent = 0;
  let running: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = buffered;
    buffered = [];
    if (batch.length === 0) return;
    const rows = batch.map((m) => ({ id: randomUUID(), stream_seq: m.seq, payload: m.string() }));
    await insertRawRows(sql, table, rows);
    await writeRows(written + batch.length);
    if (next) {
      // This batch's share of the next hop's messages: all of them once every message is read.
      const due = Math.floor(((written + batch.length) * nextCount) / expect) - sent;
      sent += due;
      await Promise.all(
        Array.from({ length: due }, () => js.publish(next, nextBody, { msgID: randomUUID() })),
      );
    }
    // Acking the last message acks the batch where the consumer's policy is AckPolicy.All.
    if (ackAll) batch.at(-1)!.ack();
    else for (const m of batch) m.ack();
    written += batch.length;
    if (written >= expect) send({ type: 'done', written });
  };
  for await (const message of messages) {
    buffered.push(message);
    // A flush takes whatever arrived while the previous one ran: one is queued by the first
    // message after a flush and another at 500, so batches stay near 500 under load.
    if (buffered.length === 1 || buffered.length === 500) running = running.then(flush);
  }
  await running;
}

/** A JSON body of `bytes` bytes (at least a uuid's worth). */
function bodyOf(bytes: number): string {
  const head = JSON.stringify({ id: randomUUID(), pad: '' });
  return JSON.stringify({ id: randomUUID(), pad: 'x'.repeat(Math.max(0, bytes - head.length)) });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
