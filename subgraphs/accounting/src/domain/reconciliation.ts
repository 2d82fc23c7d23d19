import { badInput, isUuid } from '@ates/service-kit';

/** docs/reconciliation.md: what can be wrong with one task's fees and rewards. */
export type MismatchKind =
  | 'FEE_GAP'
  | 'EXTRA_FEE'
  | 'REWARD_MISSING'
  | 'REWARD_EXTRA'
  | 'UNKNOWN_TO_TASK_TRACKER'
  | 'UNKNOWN_TO_ACCOUNTING';

/** The task tracker's own counters of a task (its database, not its events). */
export interface TrackedTask {
  taskId: string;
  assignments: number;
  completed: boolean;
}

/** What accounting holds of a task: the counts its events reported, and its ledger rows. */
export interface LedgerCounts {
  taskId: string;
  assignmentsReported: number;
  completionsReported: number;
  fees: number;
  rewards: number;
}

export interface Mismatch {
  taskId: string;
  /** False when the task tracker does not know the task (its reference is then null). */
  trackerKnows: boolean;
  kind: MismatchKind;
  expectedAssignFees: number;
  actualAssignFees: number;
  expectedRewards: number;
  actualRewards: number;
  reportedAssignments: number;
}

export const RECONCILIATION_PAGE_MAX = 5000;

export function checkReconciliationArgs(first: number, after: string | null | undefined) {
  if (!Number.isInteger(first) || first < 1 || first > RECONCILIATION_PAGE_MAX)
    throw badInput('first', `first must be 1–${RECONCILIATION_PAGE_MAX}`);
  if (after && !isUuid(after)) throw badInput('after', 'Invalid cursor');
  return { first, after: after ? after.toLowerCase() : null };
}

/** The page's key, which the task tracker parses to list its side of the page. */
export const reconciliationPageId = (first: number, after: string | null) => `${first}:${after ?? ''}`;

export function parseReconciliationPageId(id: string) {
  const [size = '', after = ''] = id.split(':');
  return checkReconciliationArgs(Number(size), after || null);
}

/**
 * The tasks one side holds up to `first`, and the last id of the page when more follow (null:
 * the side is exhausted). Each side lists one more than the page to tell.
 */
export function boundOf<T extends { taskId: string }>(rows: readonly T[], first: number) {
  return rows.length > first ? rows[first - 1]!.taskId : null;
}

/**
 * Compares one task. Expected is the task tracker's own count when it knows the task (so a
 * lost last event shows), else what its events reported.
 */
export function compareTask(ledger: LedgerCounts | undefined, tracked: TrackedTask | undefined): Mismatch[] {
  const taskId = (ledger ?? tracked)?.taskId;
  if (!taskId) return [];
  const expectedAssignFees = tracked ? tracked.assignments : (ledger?.assignmentsReported ?? 0);
  const expectedRewards = tracked ? (tracked.completed ? 1 : 0) : (ledger?.completionsReported ?? 0);
  const base = {
    taskId,
    trackerKnows: tracked !== undefined,
    expectedAssignFees,
    actualAssignFees: ledger?.fees ?? 0,
    expectedRewards,
    actualRewards: ledger?.rewards ?? 0,
    reportedAssignments: ledger?.assignmentsReported ?? 0,
  };
  const kinds: MismatchKind[] = [];
  if (!ledger) kinds.push('UNKNOWN_TO_ACCOUNTING');
  else {
    if (!tracked) kinds.push('UNKNOWN_TO_TASK_TRACKER');
    if (base.actualAssignFees < expectedAssignFees) kinds.push('FEE_GAP');
    if (base.actualAssignFees > expectedAssignFees) kinds.push('EXTRA_FEE');
    if (base.actualRewards < expectedRewards) kinds.push('REWARD_MISSING');
    if (base.actualRewards > expectedRewards) kinds.push('REWARD_EXTRA');
  }
  return kinds.map((kind) => ({ ...base, kind }));
}

/**
 * One page: both sides' tasks up to `upper` (the smaller of their bounds; null = to the end),
 * merged by id. `tasksChecked` counts the union.
 */
export function reconcilePage(
  tracked: readonly TrackedTask[],
  ledger: readonly LedgerCounts[],
  upper: string | null,
): { tasksChecked: number; mismatches: Mismatch[] } {
  const within = (id: string) => upper === null || id <= upper;
  const byTracker = new Map(tracked.filter((t) => within(t.taskId)).map((t) => [t.taskId, t]));
  const byLedger = new Map(ledger.filter((l) => within(l.taskId)).map((l) => [l.taskId, l]));
  const ids = [...new Set([...byTracker.keys(), ...byLedger.keys()])].sort();
  return {
    tasksChecked: ids.length,
    mismatches: ids.flatMap((id) => compareTask(byLedger.get(id), byTracker.get(id))),
  };
}
