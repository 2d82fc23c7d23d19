import type { Role, TaskStatus, TransactionKind, PayoutStatus } from '../generated/operations.ts';
import { KIND_LABELS } from '../lib/live-messages.ts';
import { ROLE_LABELS } from '../lib/roles.ts';

export function StatusBadge({ status }: { status: TaskStatus }) {
  return (
    <span className={`badge badge--${status === 'DONE' ? 'done' : 'open'}`}>
      {status === 'DONE' ? 'Done' : 'Open'}
    </span>
  );
}

export function RoleBadge({ role }: { role: Role }) {
  return <span className={`badge badge--role-${role.toLowerCase()}`}>{ROLE_LABELS[role]}</span>;
}

export function KindBadge({ kind }: { kind: TransactionKind }) {
  return (
    <span className={`badge badge--kind-${kind.toLowerCase().replace('_', '-')}`}>{KIND_LABELS[kind]}</span>
  );
}

const PAYOUT_LABELS: Record<PayoutStatus, string> = { PENDING: 'Pending', PAID: 'Paid', FAILED: 'Failed' };

export function PayoutBadge({ status }: { status: PayoutStatus }) {
  return <span className={`badge badge--payout-${status.toLowerCase()}`}>{PAYOUT_LABELS[status]}</span>;
}
