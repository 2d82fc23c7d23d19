import { sql } from 'drizzle-orm';
import type { Day } from '../domain/calendar.ts';
import type { DayEarnings } from '../domain/figures.ts';
import type { AnalyticsTx } from './db.ts';
import { dailyEarnings, redCounts } from './schema.ts';

export interface FiguresBetween {
  /** Days from `from` to `to` that had fees or rewards. */
  earnings: DayEarnings[];
  /** The count in red at the end of the day before `from`. */
  redBefore: number;
  /** Days from `from` to `to` on which the count changed, ascending, with the count from then on. */
  redChanges: Array<{ day: Day; popugs: number }>;
  /** The count in red now (the last change). */
  redNow: number;
}

interface Row extends Record<string, unknown> {
  k: 'e' | 'b' | 'r' | 'n';
  day: string;
  a: string | number;
  b: string | number;
}

/**
 * Everything a range of analytics days needs, in one round trip: each part is an index range
 * or a one-row probe, whatever the length of the history.
 */
export async function figuresBetween(db: AnalyticsTx, from: Day, to: Day): Promise<FiguresBetween> {
  const e = dailyEarnings;
  const r = redCounts;
  const rows = await db.execute<Row>(sql`
    select 'e' as k, ${e.day}::text as day, ${e.feesCharged} as a, ${e.rewardsPaid} as b
      from ${e} where ${e.day} between ${from} and ${to}
    union all
    (select 'b', ${r.day}::text, ${r.popugs}, 0 from ${r} where ${r.day} < ${from} order by ${r.day} desc limit 1)
    union all
    select 'r', ${r.day}::text, ${r.popugs}, 0 from ${r} where ${r.day} between ${from} and ${to}
    union all
    (select 'n', ${r.day}::text, ${r.popugs}, 0 from ${r} order by ${r.day} desc limit 1)`);
  const out: FiguresBetween = { earnings: [], redBefore: 0, redChanges: [], redNow: 0 };
  for (const row of rows) {
    if (row.k === 'e')
      out.earnings.push({ day: row.day, feesCharged: Number(row.a), rewardsPaid: Number(row.b) });
    else if (row.k === 'b') out.redBefore = Number(row.a);
    else if (row.k === 'r') out.redChanges.push({ day: row.day, popugs: Number(row.a) });
    else out.redNow = Number(row.a);
  }
  out.redChanges.sort((x, y) => (x.day < y.day ? -1 : x.day > y.day ? 1 : 0));
  return out;
}
