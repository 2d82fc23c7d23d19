/**
 * B_pg, the Postgres baseline the ledger and end-of-day figures are read against, measured in
 * the same run on the same server: a raw multi-row insert of small rows (rows/s), and
 * single-row transactions from 16 connections at once (tx/s). Works in a scratch table of the
 * suite's own database, dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import {
  createScratchRows,
  dropScratchRows,
  emptyScratchRows,
  insertScratchRow,
  insertScratchRows,
} from './db/scratch-rows.ts';
import type { Figure } from './report.ts';
import { perSecond, summarize } from './stats.ts';

const CHUNK = 5_000;

export interface PgBaseline {
  multiRowInsertRowsPerSecond: number;
  singleRowTxPerSecond: number;
}

/** One measurement of both halves of B_pg (`rows` inserted; `txMs` of single-row transactions). */
export async function measurePgBaseline(
  url: string,
  options: { rows?: number; txMs?: number; connections?: number } = {},
): Promise<PgBaseline> {
  const rows = options.rows ?? 100_000;
  const connections = options.connections ?? 16;
  const sql = postgres(url, { max: connections, onnotice: () => {} });
  try {
    await createScratchRows(sql);
    const account = randomUUID();
    const now = new Date();
    const data = Array.from({ length: rows }, (_, i) => ({
      id: randomUUID(),
      account_id: account,
      amount: i,
      created_at: now,
    }));
    const t0 = performance.now();
    for (let i = 0; i < data.length; i += CHUNK) await insertScratchRows(sql, data.slice(i, i + CHUNK));
    const multiRowInsertRowsPerSecond = perSecond(rows, performance.now() - t0);

    await emptyScratchRows(sql);
    const txMs = options.txMs ?? 3_000;
    let done = 0;
    const t1 = performance.now();
    const deadline = t1 + txMs;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          await sql.begin((tx) =>
            insertScratchRow(tx, { id: randomUUID(), account_id: account, amount: 1, created_at: now }),
          );
          done += 1;
        }
      }),
    );
    const singleRowTxPerSecond = perSecond(done, performance.now() - t1);
    return { multiRowInsertRowsPerSecond, singleRowTxPerSecond };
  } finally {
    await dropScratchRows(sql);
    await sql.end();
  }
}

/** The two B_pg figures of a report, from the baselines measured during its runs. */
export function pgBaselineFigures(baselines: readonly PgBaseline[]): Figure[] {
  return [
    {
      id: 'bpg.multi-row-insert',
      title: 'B_pg: multi-row insert of small rows',
      value: summarize(
        baselines.map((b) => b.multiRowInsertRowsPerSecond),
        0,
      ),
      unit: 'rows/s',
    },
    {
      id: 'bpg.single-row-tx',
      title: 'B_pg: single-row transactions, 16 connections',
      value: summarize(
        baselines.map((b) => b.singleRowTxPerSecond),
        0,
      ),
      unit: 'tx/s',
    },
  ];
}
