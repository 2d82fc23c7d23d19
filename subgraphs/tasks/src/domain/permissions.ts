import type { Role } from '@ates/service-kit';

export const SHUFFLERS: readonly Role[] = ['ADMIN', 'MANAGER'];

/** Who may read the task tracker's counters (accounting's reconciliation). */
export const RECONCILERS: readonly Role[] = ['ADMIN', 'ACCOUNTANT'];
