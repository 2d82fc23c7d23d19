/**
 * The ceiling of the ledger's shape, measured beside it: the rows the consumer writes per posting
 * — an inbox row, a ledger row (with the ledger's indexes) — and per batch one
 * `transaction.applied` v2 in the outbox listing the batch's rows (the envelope as payload) and
 * each account's balance, written with no decisions:
 * rows built before the clock starts, postgres.js multi-row inserts (B_pg's way), batches of up
 * to 500 events per transaction in `lanes` lanes by account, each lane on its own connection. No
 * schema checks, no event building, no fact check, no task rows, no daily totals: what any
 * implementation keeping those rows pays at least.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import type { AnyEventEnvelope } from '@ates/events';
import { databaseCpuMs, selfCpuMs } from '../lib/cpu.ts';
import { writePostings } from '../lib/db/ceiling-writes.ts';
import { openConnections } from '../lib/db/maintenance.ts';

const BATCH = 500;

export interface CeilingRun {
  postingsPerSecond: number;
  /** CPU per posting, µs: this process and Postgres. */
  nodeUs: number;
  postgresUs: number;
}

interface Rows {
  inbox: Record<string, unknown>[];
  ledger: Record<string, unknown>[];
  outbox: Record<string, unknown>[];
  deltas: (string | number)[][];
}

/** A lane's batches, built in full before timing. */
function buildBatches(events: readonly AnyEventEnvelope[], accountOf: ReadonlyMap<string, string>): Rows[] {
  const day = new Date().toISOString().slice(0, 10);
  const now = new Date();
  const batches: Rows[] = [];
  for (let i = 0; i < events.length; i += BATCH) {
    const rows: Rows = { inbox: [], ledger: [], outbox: [], deltas: [] };
    const deltas = new Map<string, number>();
    const items: Record<string, unknown>[] = [];
    for (const [n, event] of events.slice(i, i + BATCH).entries()) {
      // The suite's events are one posting each: task.assigned v1 and task.completed.
      if (!(event.type === 'task.assigned' && event.version === 1) && event.type !== 'task.completed')
        throw new Error(`no posting for ${event.type} v${event.version}`);
      const fee = event.type === 'task.assigned';
      const accountId = accountOf.get(event.data.assigneeId)!;
      const amount = fee ? -15 : 30;
      deltas.set(accountId, (deltas.get(accountId) ?? 0) + amount);
      rows.inbox.push({
        consumer: 'accounting-tasks',
        event_id: event.id,
        type: event.type,
        version: event.version,
        stream_seq: i + n,
      });
      const transactionId = randomUUID();
      rows.ledger.push({
        id: transactionId,
        account_id: accountId,
        kind: fee ? 'ASSIGN_FEE' : 'TASK_REWARD',
        amount,
        balance_after: amount,
        task_id: event.data.taskId,
        assignment_no: event.type === 'task.assigned' ? event.data.assignmentNo : null,
        event_id: event.id,
        description: event.data.title,
        day,
        created_at: now,
      });
      items.push({
        transactionId,
        accountId,
        userId: event.data.assigneeId,
        kind: fee ? 'ASSIGN_FEE' : 'TASK_REWARD',
        amount,
        taskId: event.data.taskId,
        assignmentNo: event.type === 'task.assigned' ? event.data.assignmentNo : null,
        day,
        balanceAfter: amount,
        description: event.data.title,
        appliedAt: now.toISOString(),
        causationId: event.id,
      });
    }
    // As the consumer announces a batch: one transaction.applied v2 listing its rows.
    const envelope = {
      id: randomUUID(),
      type: 'transaction.applied',
      version: 2,
      occurredAt: now.toISOString(),
      producer: 'accounting',
      aggregateId: 'ledger',
      data: { transactions: items },
    };
    rows.outbox.push({
      id: envelope.id,
      subject: 'accounting.transaction.applied',
      type: envelope.type,
      version: 2,
      aggregate_id: envelope.aggregateId,
      payload: envelope,
      headers: { 'ates-type': envelope.type, 'ates-version': '2', 'ates-aggregate': envelope.aggregateId },
    });
    rows.deltas = [...deltas].map(([id, delta]) => [id, delta]);
    batches.push(rows);
  }
  return batches;
}

/**
 * Writes the rows of `events` (task.assigned / task.completed of users whose accounts exist, as
 * `accountOf` maps them) as described above, and returns the rate. The caller empties the tables.
 */
export async function measureCeiling(
  url: string,
  events: readonly AnyEventEnvelope[],
  accountOf: ReadonlyMap<string, string>,
  lanes: number,
): Promise<CeilingRun> {
  const sql = postgres(url, { max: lanes, onnotice: () => {} });
  try {
    const byLane: AnyEventEnvelope[][] = Array.from({ length: lanes }, () => []);
    const laneOf = new Map<string, number>();
    for (const event of events) {
      const key = 'assigneeId' in event.data ? String(event.data.assigneeId) : event.id;
      if (!laneOf.has(key)) laneOf.set(key, laneOf.size % lanes);
      byLane[laneOf.get(key)!]!.push(event);
    }
    const work = byLane.map((laneEvents) => buildBatches(laneEvents, accountOf));
    // Every connection open before the clock starts.
    await openConnections(sql, lanes);
    const cpu0 = selfCpuMs();
    const pg0 = databaseCpuMs(url);
    const t0 = performance.now();
    await Promise.all(
      work.map(async (batches) => {
        for (const rows of batches) await sql.begin((tx) => writePostings(tx, rows));
      }),
    );
    const ms = performance.now() - t0;
    return {
      postingsPerSecond: (events.length / ms) * 1000,
      nodeUs: ((selfCpuMs() - cpu0) * 1000) / events.length,
      postgresUs: ((databaseCpuMs(url) - pg0) * 1000) / events.length,
    };
  } finally {
    await sql.end();
  }
}
