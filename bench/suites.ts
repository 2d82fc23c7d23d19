/**
 * Every benchmark `pnpm bench` runs, in this order (each in a process of its own, one at a
 * time, so they do not compete for the machine's two cores). Each writes
 * bench/results/<name>.json; `pnpm bench` then rewrites docs/performance.md from them.
 */
export interface Suite {
  name: string;
  /** Entry point, relative to bench/. */
  script: string;
  description: string;
}

export const SUITES: Suite[] = [
  { name: 'shuffle', script: 'shuffle/shuffle.ts', description: 'shuffle 1k / 10k / 100k open tasks' },
  {
    name: 'analytics',
    script: 'analytics/analytics.ts',
    description: 'analytics queries at 10k / 100k / 1M transactions',
  },
  { name: 'ledger', script: 'ledger/main.ts', description: 'ledger postings: batches, one hot account' },
  { name: 'end-of-day', script: 'end-of-day/main.ts', description: 'close and pay 1k / 10k / 100k accounts' },
  { name: 'footprint', script: 'footprint/main.ts', description: 'RSS idle and under load; cold start' },
  { name: 'dashboard', script: 'dashboard/main.ts', description: 'worker dashboard vs B_node, B_fed, Hive' },
  { name: 'events', script: 'events/main.ts', description: 'event pipeline: relay, consumers, lag vs B_js' },
  {
    name: 'subscriptions',
    script: 'subscriptions/main.ts',
    description: '1,000 and 10,000 subscribers vs B_ws',
  },
];
