import { requireRole, type Viewer } from '@ates/service-kit';
import { ledgerCounts } from '../db/task-repository.ts';
import { ACCOUNTING_STAFF } from '../domain/permissions.ts';
import {
  boundOf,
  parseReconciliationPageId,
  reconcilePage,
  type Mismatch,
  type TrackedTask,
} from '../domain/reconciliation.ts';
import type { AccountingDeps } from './deps.ts';

export interface ReconciledPage {
  tasksChecked: number;
  mismatches: Mismatch[];
  /** The last task id of the page when more follow, else null. */
  endCursor: string | null;
}

/**
 * Data problem 1 (docs/business-rules.md#what-must-survive): one page of tasks in id order, accounting's reported counts and ledger
 * against the task tracker's own counters, which the gateway fetched from the task tracker
 * (`tracked`: one more than the page when more follow). See docs/reconciliation.md.
 */
export async function reconcile(
  deps: AccountingDeps,
  viewer: Viewer | null,
  pageId: string,
  tracked: readonly TrackedTask[],
): Promise<ReconciledPage> {
  requireRole(viewer, ACCOUNTING_STAFF);
  const { first, after } = parseReconciliationPageId(pageId);
  const trackerUpper = boundOf(tracked, first);
  const ledger = await ledgerCounts(deps.db, after, trackerUpper, first + 1);
  const upper = boundOf(ledger, first) ?? trackerUpper;
  return { ...reconcilePage(tracked, ledger, upper), endCursor: upper };
}
