import {
  ApolloServer,
  type ApolloServerOptionsWithGateway,
  type ApolloServerPlugin,
  type BaseContext,
} from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import { makeFormatError } from './errors.ts';
import type { Logger } from './logger.ts';
import { currentTrace } from './trace.ts';

export interface ApolloOptions {
  logger: Logger;
  introspection: boolean;
  plugins?: ApolloServerPlugin<BaseContext>[];
  validationRules?: ValidationRule[];
}

/** Names the request's GraphQL operation type for the request metrics (see `RequestTracker`). */
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
  return new ApolloServer<Ctx>({
    ...config,
    csrfPrevention: true,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    formatError: makeFormatError(options.logger),
    validationRules: options.validationRules ?? [],
    logger: options.logger,
    // Our own shutdown (`onShutdown`) stops Apollo after the HTTP server has drained; Apollo's
    // handlers would stop it at once and then re-raise the signal, killing the process mid-drain.
    stopOnTerminationSignals: false,
    plugins: [
      operationTypeForMetrics as ApolloServerPlugin<Ctx>,
      ApolloServerPluginLandingPageDisabled(),
      // Inline traces are for Apollo's hosted studio, which we do not use.
      ...('schema' in config ? [ApolloServerPluginInlineTraceDisabled()] : []),
      ...((options.plugins ?? []) as ApolloServerPlugin<Ctx>[]),
    ],
  });
}
