import { memoizeFor, type ServiceMetrics } from '@ates/service-kit';
import type { AccountingDb } from './db/db.ts';
import { payoutTotalsByStatus } from './db/payout-repository.ts';
import type { PayoutStatus } from './db/schema.ts';

const STATUSES: PayoutStatus[] = ['PENDING', 'PAID', 'FAILED'];

/**
 * `ates_payouts{status}` and `ates_payouts_amount_cents{status}`: payouts by status, from
 * accounting's database. The read scans the payouts (one row per account and paid day), so it is
 * reused for 10 s. PENDING or FAILED staying above 0 means the payout worker is not getting
 * through (see docs/payouts.md).
 */
export function registerPayoutMetrics(metrics: ServiceMetrics, db: AccountingDb): void {
  const figures = memoizeFor(10_000, async () => {
    const rows = await payoutTotalsByStatus(db);
    return STATUSES.map((status) => {
      const row = rows.find((r) => r.status === status);
      return { status, count: row?.count ?? 0, cents: row?.cents ?? 0 };
    });
  });
  metrics.scrapedGauge({
    name: 'ates_payouts',
    help: 'Payouts by status (PENDING, PAID, FAILED)',
    labelNames: ['status'],
    collect: async () => (await figures()).map((f) => ({ labels: { status: f.status }, value: f.count })),
  });
  metrics.scrapedGauge({
    name: 'ates_payouts_amount_cents',
    help: 'Sum of payouts by status, in cents',
    labelNames: ['status'],
    collect: async () => (await figures()).map((f) => ({ labels: { status: f.status }, value: f.cents })),
  });
}
