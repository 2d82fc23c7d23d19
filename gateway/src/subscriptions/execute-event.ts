import type { buildOperationContext } from '@apollo/gateway';
import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { FetchNode, PlanNode, QueryPlan } from '@apollo/query-planner';
import type { UpstreamResult } from './upstream.ts';
import type { Logger } from '@ates/service-kit';
import type { GatewayContext } from '../context.ts';
import type { SubscriptionPlanner } from './planner.ts';

type RequestContext = Parameters<typeof executeQueryPlan>[2];
type OperationContext = ReturnType<typeof buildOperationContext>;

export interface EventExecution {
  planner: SubscriptionPlanner;
  serviceMap: ServiceMap;
  primary: FetchNode;
  rest: PlanNode | undefined;
  operationContext: OperationContext;
  request: { query: string; variables: Record<string, unknown>; operationName: string | undefined };
  context: GatewayContext;
  logger: Logger;
}

/**
 * Resolves one event of a federated subscription: the plan `Sequence[primary, rest]` runs with
 * the event standing in as the primary fetch's response, so fields of other subgraphs are
 * fetched exactly as for a query (same planner, same data sources, same auth forwarding).
 */
export async function executeEvent(run: EventExecution, event: UpstreamResult) {
  const real = run.serviceMap[run.primary.serviceName];
  const replay: GraphQLDataSource = {
    process: async (options) => {
      if (options.request.query === run.primary.operation) return { data: event.data, errors: event.errors };
      if (!real) throw new Error(`no data source for ${run.primary.serviceName}`);
      return real.process(options);
    },
  };
  const queryPlan: QueryPlan = {
    kind: 'QueryPlan',
    node: run.rest ? { kind: 'Sequence', nodes: [run.primary, run.rest] } : run.primary,
  };
  // executeQueryPlan reads request, context, metrics and logger of Apollo's request context.
  const requestContext = {
    request: run.request,
    context: run.context,
    metrics: {},
    logger: run.logger,
  } as unknown as RequestContext;
  return executeQueryPlan(
    queryPlan,
    { ...run.serviceMap, [run.primary.serviceName]: replay },
    requestContext,
    run.operationContext,
    run.planner.supergraphSchema,
    run.planner.apiSchema,
  );
}
