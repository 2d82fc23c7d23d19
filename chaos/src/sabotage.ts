import { randomUUID } from 'node:crypto';
import type { ChaosCluster } from './cluster.ts';

/**
 * The negative control (`CHAOS_SABOTAGE=1`): after the catch-up, break the data behind the
 * services' backs the way a bug would, so the run shows that its checks catch it. Returns the
 * problems the checks must then report (a prefix of each).
 */
export async function sabotage(cluster: ChaosCluster): Promise<string[]> {
  // A fee charged twice for one assignment, written past the use case (no balance update).
  await cluster.sql('accounting')`
    insert into transactions (id, account_id, kind, amount, balance_after, task_id, assignment_no, description, day, created_at)
    select ${randomUUID()}, account_id, kind, amount, balance_after, task_id, 9999, description, day, now()
    from transactions where kind = 'ASSIGN_FEE' order by seq limit 1`;
  // An event analytics applied, forgotten.
  await cluster.sql('analytics')`
    delete from inbox where consumer = 'analytics-tasks'
      and event_id = (select event_id from inbox where consumer = 'analytics-tasks' limit 1)`;
  // A payment the bank made for no payout.
  await cluster.sql('bank')`
    insert into payments (id, idempotency_key, request_hash, account_id, user_id, amount_cents, currency, description, status, paid_at)
    values (${randomUUID()}, ${randomUUID()}, 'sabotage', ${randomUUID()}, ${randomUUID()}, 100, 'USD', 'sabotage', 'PAID', now())`;
  return [
    'reconciliation: reconciliation mismatches: 1',
    'ledger and balances vs task history: ledger rows accounting has without a fact in the task history',
    'ledger and balances vs task history: balances',
    'events: analytics-tasks: events neither applied nor dead-lettered: 1',
    'payouts: payments the bank made for no payout: 1',
  ];
}
