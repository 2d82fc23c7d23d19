import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan } from '@apollo/query-planner';
import type { DocumentNode, GraphQLSchema } from 'graphql';

export interface SubscriptionPlanner {
  /** The client-facing schema, for validating operations. */
  apiGraphQLSchema: GraphQLSchema;
  apiSchema: Schema;
  supergraphSchema: GraphQLSchema;
  plan(document: DocumentNode, operationName: string | undefined): QueryPlan;
}

/**
 * The same query planner the gateway uses for queries, over the same composed supergraph:
 * a subscription plans to `Subscription { primary, rest }`: the owning subgraph's stream,
 * then the fetches that resolve other subgraphs' fields for each event.
 */
export function createSubscriptionPlanner(supergraphSdl: string): SubscriptionPlanner {
  // Built at the first subscription, not at start: a second supergraph and planner cost
  // ~150 ms of start-up and MiBs of heap that a gateway without subscribers never needs.
  let built: (Omit<SubscriptionPlanner, 'plan'> & { planner: QueryPlanner }) | undefined;
  const build = () => {
    if (built) return built;
    const supergraph = Supergraph.build(supergraphSdl);
    const apiSchema = supergraph.apiSchema();
    built = {
      apiGraphQLSchema: apiSchema.toGraphQLJSSchema(),
      apiSchema,
      supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
      planner: new QueryPlanner(supergraph),
    };
    return built;
  };
  const cache = new Map<string, QueryPlan>();
  return {
    get apiGraphQLSchema() {
      return build().apiGraphQLSchema;
    },
    get apiSchema() {
      return build().apiSchema;
    },
    get supergraphSchema() {
      return build().supergraphSchema;
    },
    plan(document, operationName) {
      const key = `${operationName ?? ''}\n${JSON.stringify(document.loc?.source.body ?? document)}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const { apiSchema, planner } = build();
      const plan = planner.buildQueryPlan(operationFromDocument(apiSchema, document, { operationName }));
      if (cache.size > 500) cache.clear();
      cache.set(key, plan);
      return plan;
    },
  };
}
