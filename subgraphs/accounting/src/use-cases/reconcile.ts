import { requireRole, type Viewer } from '@ates/service-kit';
import { reconcileTasks } from '../db/task-repository.ts';
import { ACCOUNTING_STAFF } from '../domain/permissions.ts';
import type { AccountingDeps } from './deps.ts';

/**
 * Data problem 1 (docs/business-rules.md#what-must-survive): for every task accounting knows, the assignments and completions the
 * task tracker reported in its events against the fees and rewards in the ledger. See
 * docs/reconciliation.md.
 */
export async function reconcile(deps: AccountingDeps, viewer: Viewer | null) {
  requireRole(viewer, ACCOUNTING_STAFF);
  return reconcileTasks(deps.db);
}
