import { forbidden, type Role, type Viewer } from '@ates/service-kit';

/** Who sees the accounting dashboard, reconciliation and every account. */
export const ACCOUNTING_STAFF: readonly Role[] = ['ADMIN', 'ACCOUNTANT'];

/** An account is visible to its owner and to ADMIN and ACCOUNTANT; anyone else: FORBIDDEN. */
export function checkCanSeeAccount(viewer: Viewer, ownerId: string): void {
  if (viewer.userId !== ownerId && !ACCOUNTING_STAFF.includes(viewer.role))
    throw forbidden('Only the owner, ADMIN and ACCOUNTANT may see this account');
}
