import type { Domain } from '@ates/events';

/** What a restore must do for a service besides loading its database. */
export interface RecoveryTarget {
  /** Durable consumers whose inbox lives in the service's database: moved back to it. */
  consumers: readonly { domain: Domain; name: string }[];
  /** Its own stream, whose tail after the backup a roll-forward applies (tasks, accounting). */
  rollForward?: Domain;
  /** Restored by `pnpm restore <folder>` without `--service`. */
  byDefault: boolean;
}

/**
 * Every service database. The jobs work queue (email) is not repositioned: a job is taken once
 * and gone from its stream; payout notices are keyed by payout, so a repeat sends no second mail.
 * The payment sandbox stands in for the bank: it is backed up, but only restored when named,
 * since a bank that forgets payments would pay them again.
 */
export const TARGETS: Record<string, RecoveryTarget> = {
  users: { consumers: [], byDefault: true },
  tasks: { consumers: [{ domain: 'users', name: 'tasks-popugs' }], rollForward: 'tasks', byDefault: true },
  accounting: {
    consumers: [
      { domain: 'tasks', name: 'accounting-tasks' },
      { domain: 'users', name: 'accounting-users' },
    ],
    rollForward: 'accounting',
    byDefault: true,
  },
  analytics: {
    consumers: [
      { domain: 'tasks', name: 'analytics-tasks' },
      { domain: 'accounting', name: 'analytics-accounting' },
    ],
    byDefault: true,
  },
  email: { consumers: [{ domain: 'users', name: 'email-worker-users' }], byDefault: true },
  'payment-sandbox': { consumers: [], byDefault: false },
};

/** The consumers the restored inbox of a service may name (the jobs consumer writes one too). */
export const INBOX_CONSUMERS: Record<string, readonly string[]> = {
  email: ['email-worker-jobs'],
};
