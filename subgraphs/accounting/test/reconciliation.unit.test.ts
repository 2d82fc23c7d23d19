import { describe, expect, it } from 'vitest';
import {
  boundOf,
  compareTask,
  parseReconciliationPageId,
  reconcilePage,
  reconciliationPageId,
  type LedgerCounts,
  type TrackedTask,
} from '../src/domain/reconciliation.ts';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ledger = (
  n: number,
  fees: number,
  rewards = 0,
  reported = fees,
  completions = rewards,
): LedgerCounts => ({
  taskId: id(n),
  assignmentsReported: reported,
  completionsReported: completions,
  fees,
  rewards,
});
const tracked = (n: number, assignments: number, completed = false): TrackedTask => ({
  taskId: id(n),
  assignments,
  completed,
});
const kinds = (l?: LedgerCounts, t?: TrackedTask) => compareTask(l, t).map((m) => m.kind);

describe('compareTask', () => {
  it('finds nothing when the ledger matches the task tracker', () => {
    expect(kinds(ledger(1, 3, 1), tracked(1, 3, true))).toEqual([]);
  });

  it('names a lost last assignment a fee gap, though every event accounting got was applied', () => {
    const [gap] = compareTask(ledger(1, 2), tracked(1, 3));
    expect(gap).toMatchObject({
      kind: 'FEE_GAP',
      expectedAssignFees: 3,
      actualAssignFees: 2,
      reportedAssignments: 2,
    });
  });

  it('tells extra fees, missing and extra rewards apart, one entry per kind', () => {
    expect(kinds(ledger(1, 2), tracked(1, 1))).toEqual(['EXTRA_FEE']);
    expect(kinds(ledger(1, 1), tracked(1, 1, true))).toEqual(['REWARD_MISSING']);
    expect(kinds(ledger(1, 1, 1), tracked(1, 1, false))).toEqual(['REWARD_EXTRA']);
    expect(kinds(ledger(1, 1), tracked(1, 2, true))).toEqual(['FEE_GAP', 'REWARD_MISSING']);
  });

  it('compares a task the task tracker lost with what its events reported', () => {
    const [lost, gap] = compareTask(ledger(1, 1, 0, 2), undefined);
    expect(lost).toMatchObject({
      kind: 'UNKNOWN_TO_TASK_TRACKER',
      trackerKnows: false,
      expectedAssignFees: 2,
    });
    expect(gap?.kind).toBe('FEE_GAP');
  });

  it('names a task accounting never heard of', () => {
    expect(compareTask(undefined, tracked(1, 2, true))).toEqual([
      {
        taskId: id(1),
        trackerKnows: true,
        kind: 'UNKNOWN_TO_ACCOUNTING',
        expectedAssignFees: 2,
        actualAssignFees: 0,
        expectedRewards: 1,
        actualRewards: 0,
        reportedAssignments: 0,
      },
    ]);
  });
});

describe('a reconciliation page', () => {
  it('ends where the side that ran out of room ends, and counts the union of both sides', () => {
    // The tracker lists one more than the page (tasks 1, 2, 4): its page ends at task 2.
    const fromTracker = [tracked(1, 1), tracked(2, 1), tracked(4, 1)];
    expect(boundOf(fromTracker, 2)).toBe(id(2));
    expect(boundOf(fromTracker.slice(0, 2), 2)).toBeNull();
    const page = reconcilePage(fromTracker, [ledger(1, 1), ledger(2, 1), ledger(3, 1)], id(2));
    expect(page).toEqual({ tasksChecked: 2, mismatches: [] });
    const rest = reconcilePage([tracked(4, 1)], [ledger(3, 1)], null);
    expect(rest.tasksChecked).toBe(2);
    expect(rest.mismatches.map((m) => [m.taskId, m.kind])).toEqual([
      [id(3), 'UNKNOWN_TO_TASK_TRACKER'],
      [id(4), 'UNKNOWN_TO_ACCOUNTING'],
    ]);
  });

  it('keys a page by its size and start, and refuses bad ones', () => {
    expect(parseReconciliationPageId(reconciliationPageId(10, id(3)))).toEqual({ first: 10, after: id(3) });
    expect(parseReconciliationPageId(reconciliationPageId(1, null))).toEqual({ first: 1, after: null });
    expect(() => parseReconciliationPageId('0:')).toThrow(/first/);
    expect(() => parseReconciliationPageId('5001:')).toThrow(/first/);
    expect(() => parseReconciliationPageId('5:nope')).toThrow(/cursor/);
  });
});
