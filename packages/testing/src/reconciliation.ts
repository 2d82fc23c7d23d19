import type { GraphQLClient } from './graphql-client.ts';
import { ReconciliationPageDocument, type ReconciliationPageQuery } from './generated/operations.ts';

export type ReconciliationMismatch = ReconciliationPageQuery['reconciliation']['mismatches'][number];

/** Every page of the reconciliation (ADMIN or ACCOUNTANT client), summed; bounded by `maxPages`. */
export async function reconcileAll(
  client: Pick<GraphQLClient, 'ok'>,
  { first = 1000, maxPages = 1000 }: { first?: number; maxPages?: number } = {},
): Promise<{ tasksChecked: number; mismatches: ReconciliationMismatch[]; pages: number }> {
  let after: string | null = null;
  let tasksChecked = 0;
  const mismatches: ReconciliationMismatch[] = [];
  for (let pages = 1; pages <= maxPages; pages++) {
    const { reconciliation }: ReconciliationPageQuery = await client.ok(ReconciliationPageDocument, {
      first,
      after,
    });
    tasksChecked += reconciliation.tasksChecked;
    mismatches.push(...reconciliation.mismatches);
    if (!reconciliation.pageInfo.hasNextPage) return { tasksChecked, mismatches, pages };
    after = reconciliation.pageInfo.endCursor ?? null;
  }
  throw new Error(`reconciliation has more than ${maxPages} pages of ${first}`);
}
