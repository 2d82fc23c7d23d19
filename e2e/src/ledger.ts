import { parseMoney, type Cents, type RandomSource } from '@ates/service-kit';
import { ops, type GraphQLClient } from '@ates/testing';

/** A transaction as the tests compare them: money in integer cents, never floats. */
export interface LedgerRow {
  id: string;
  kind: 'ASSIGN_FEE' | 'TASK_REWARD' | 'PAYOUT';
  amount: Cents;
  description: string;
  day: string;
  createdAt: string;
  taskId: string | null;
}

export interface Ledger {
  balance: Cents;
  /** Newest first, every page. */
  rows: LedgerRow[];
}

const LEDGER = `query Ledger($userId: ID!, $after: String) {
  user(id: $userId) {
    account {
      balance
      transactions(first: 200, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id kind amount description day createdAt task { id } }
      }
    }
  }
}`;

interface LedgerPage {
  user: {
    account: {
      balance: string;
      transactions: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: Array<Omit<LedgerRow, 'amount' | 'taskId'> & { amount: string; task: { id: string } | null }>;
      };
    } | null;
  } | null;
}

/** A user's whole audit log and balance, read through `User.account` by a client allowed to see it. */
export async function ledgerOf(client: GraphQLClient, userId: string): Promise<Ledger> {
  const rows: LedgerRow[] = [];
  let after: string | null = null;
  let balance = 0;
  for (;;) {
    const page: LedgerPage = await client.ok<LedgerPage>(LEDGER, { userId, after });
    const account = page.user?.account;
    if (!account) return { balance: 0, rows: [] };
    balance = parseMoney(account.balance);
    for (const { task, amount, ...rest } of account.transactions.nodes)
      rows.push({ ...rest, amount: parseMoney(amount), taskId: task?.id ?? null });
    if (!account.transactions.pageInfo.hasNextPage) return { balance, rows };
    after = account.transactions.pageInfo.endCursor;
  }
}

export type DashboardTask = NonNullable<ops.TaskDashboardQuery['tasks']['nodes'][number]>;

/** Every task of the dashboard (all pages), with its price, through the project's TaskDashboard operation. */
export async function allTasks(client: GraphQLClient): Promise<DashboardTask[]> {
  const out: DashboardTask[] = [];
  let after: string | null = null;
  for (;;) {
    const { tasks }: ops.TaskDashboardQuery = await client.ok(ops.TaskDashboardDocument, {
      first: 200,
      after,
    });
    out.push(...tasks.nodes);
    if (!tasks.pageInfo.hasNextPage) return out;
    after = tasks.pageInfo.endCursor ?? null;
  }
}

/** A random source that returns queued values first (to pick exact prices), then a fallback's. */
export function scriptedRandom(fallback: RandomSource): RandomSource & { queue(...values: number[]): void } {
  const queued: number[] = [];
  return {
    queue: (...values) => void queued.push(...values),
    intBetween: (min, max) => {
      const next = queued.shift();
      if (next === undefined) return fallback.intBetween(min, max);
      if (next < min || next > max) throw new Error(`scripted ${next} is outside [${min}, ${max}]`);
      return next;
    },
  };
}
