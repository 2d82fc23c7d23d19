import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/**
 * Apollo's gateway reports a subgraph value that does not fit the schema (a null for a non-null
 * field, which nulls its parents) only in `extensions.valueCompletion`, so a client may get
 * `data: null` without `errors`. Report them as GraphQL errors instead.
 */
export const valueCompletionPlugin: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        const failures: unknown = result.extensions?.valueCompletion;
        if (!Array.isArray(failures) || failures.length === 0) return;
        const { valueCompletion: _, ...extensions } = result.extensions ?? {};
        result.extensions = Object.keys(extensions).length > 0 ? extensions : undefined;
        result.errors = [...(result.errors ?? []), ...failures.map(asFormatted)];
      },
    };
  },
};

function asFormatted(failure: unknown): GraphQLFormattedError {
  const error = failure instanceof GraphQLError ? failure : new GraphQLError(String(failure));
  const { message, path } = error;
  return {
    message,
    ...(path ? { path } : {}),
    extensions: { ...error.extensions, code: 'VALUE_COMPLETION_FAILED' },
  };
}
