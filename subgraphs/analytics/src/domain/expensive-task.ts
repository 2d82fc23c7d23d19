import type { Cents } from '@ates/service-kit';

/** A completed task whose reward is known: a candidate for "most expensive". */
export interface RankedTask {
  taskId: string;
  reward: Cents;
  completedAt: Date;
}

/**
 * The order of "most expensive": the highest reward first; on a tie, the earliest completion;
 * then the smallest task id (as Postgres orders uuids: their lowercase text). The query's
 * ORDER BY and its indexes follow the same order; this function states it for tests.
 */
export function moreExpensiveFirst(a: RankedTask, b: RankedTask): number {
  if (a.reward !== b.reward) return b.reward - a.reward;
  const at = a.completedAt.getTime() - b.completedAt.getTime();
  if (at !== 0) return at;
  const ida = a.taskId.toLowerCase();
  const idb = b.taskId.toLowerCase();
  return ida < idb ? -1 : ida > idb ? 1 : 0;
}
