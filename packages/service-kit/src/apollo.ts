import {
  ApolloServer,
  type ApolloServerOptionsWithGateway,
  type ApolloServerPlugin,
  type BaseContext,
} from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import { makeFormatError } from './errors.ts';
import {
  DEFAULT_OPERATION_LIMITS,
  isTokenLimitError,
  limitsFirstRule,
  TOO_COMPLEX_PREFIX,
  type OperationLimits,
} from './operation-limits.ts';
import type { Logger } from './logger.ts';
import { currentTrace } from './trace.ts';

export interface ApolloOptions {
  logger: Logger;
  introspection: boolean;
  plugins?: ApolloServerPlugin<BaseContext>[];
  validationRules?: ValidationRule[];
  /** What one operation may cost (default DEFAULT_OPERATION_LIMITS). */
  limits?: OperationLimits;
  /** Apollo's CSRF prevention (default on); see the gateway for why its edge turns it off. */
  csrfPrevention?: boolean;
  /** Automatic persisted queries (Apollo's protocol); default: Apollo's, on with its own cache. */
  persistedQueries?: ApolloServerOptionsWithGateway<BaseContext>['persistedQueries'];
}

/**
 * Caps a response's errors at `maxErrors` (a document can make execution fail once per field),
 * answers a refused document with its one refusal, and names a document over the token limit
 * QUERY_TOO_COMPLEX rather than a syntax error.
 */
const errorBudget = (limits: OperationLimits): ApolloServerPlugin<BaseContext> => ({
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        const errors = result.errors;
        if (!errors?.length) return;
        // A refused document comes with copies of its refusal (limitsFirstRule): keep one.
        // Apollo recodes validation errors GRAPHQL_VALIDATION_FAILED: give it back its code.
        const refusal = errors.find((e) => e.message.startsWith(TOO_COMPLEX_PREFIX));
        if (refusal) {
          result.errors = [{ message: refusal.message, extensions: { code: 'QUERY_TOO_COMPLEX' } }];
          return;
        }
        const kept = errors.length > limits.maxErrors ? errors.slice(0, limits.maxErrors) : errors;
        result.errors = kept.map((e) =>
          e.extensions?.code === 'GRAPHQL_PARSE_FAILED' && isTokenLimitError(e.message)
            ? {
                message: `Query too complex: more than ${limits.maxTokens} tokens`,
                extensions: { code: 'QUERY_TOO_COMPLEX' },
              }
            : e,
        );
      },
    };
  },
});

/** Names the request's GraphQL operation type for the request metrics (see `createHttpServer`). */
const operationTypeForMetrics: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        const scope = currentTrace();
        if (scope && operation) scope.operation = operation.operation;
      },
    };
  },
};

/**
 * Apollo Server with our defaults: CSRF prevention on, no CDN-loaded landing page, errors
 * masked unless expected, no stack traces in responses.
 */
export function createApolloServer<Ctx extends BaseContext>(
  config: { schema: GraphQLSchema } | { gateway: ApolloServerOptionsWithGateway<Ctx>['gateway'] },
  options: ApolloOptions,
): ApolloServer<Ctx> {
  const limits = options.limits ?? DEFAULT_OPERATION_LIMITS;
  return new ApolloServer<Ctx>({
    ...config,
    csrfPrevention: options.csrfPrevention ?? true,
    ...(options.persistedQueries === undefined ? {} : { persistedQueries: options.persistedQueries }),
    introspection: options.introspection,
    // Closed by default: where introspection is off, errors suggest no field or type names.
    hideSchemaDetailsFromClientErrors: !options.introspection,
    includeStacktraceInErrorResponses: false,
    formatError: makeFormatError(options.logger),
    // graphql-js stops parsing at the first token over the limit, before building any AST.
    parseOptions: { maxTokens: limits.maxTokens },
    validationOptions: { maxErrors: limits.maxErrors },
    validationRules: [limitsFirstRule(limits), ...(options.validationRules ?? [])],
    logger: options.logger,
    // Our own shutdown (`onShutdown`) stops Apollo after the HTTP server has drained; Apollo's
    // handlers would stop it at once and then re-raise the signal, killing the process mid-drain.
    stopOnTerminationSignals: false,
    plugins: [
      operationTypeForMetrics as ApolloServerPlugin<Ctx>,
      ApolloServerPluginLandingPageDisabled(),
      errorBudget(limits) as ApolloServerPlugin<Ctx>,
      // Inline traces are for Apollo's hosted studio, which we do not use. No field carries a
      // cache hint, and the cache-control plugin wraps every resolver to collect them: a
      // subgraph answers without a Cache-Control header, which the gateway reads as maxAge 0.
      ...('schema' in config
        ? [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled()]
        : []),
      ...((options.plugins ?? []) as ApolloServerPlugin<Ctx>[]),
    ],
  });
}
