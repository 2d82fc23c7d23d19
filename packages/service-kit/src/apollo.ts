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

export interface ApolloOptions {
  logger: Logger;
  introspection: boolean;
  plugins?: ApolloServerPlugin<BaseContext>[];
  validationRules?: ValidationRule[];
}

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
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Inline traces are for Apollo's hosted studio, which we do not use.
      ...('schema' in config ? [ApolloServerPluginInlineTraceDisabled()] : []),
      ...((options.plugins ?? []) as ApolloServerPlugin<Ctx>[]),
    ],
  });
}
