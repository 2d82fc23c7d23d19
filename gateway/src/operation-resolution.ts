import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/**
 * A document whose operation cannot be picked (an unknown `operationName`, or several
 * operations and no name) is the client's mistake: answer 400 with
 * OPERATION_RESOLUTION_FAILURE before the gateway's executor fails on it as an internal error.
 */
export const operationResolutionPlugin: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request, document }) {
        if (operation) return;
        const names = document.definitions.flatMap((d) =>
          d.kind === 'OperationDefinition' ? [d.name?.value] : [],
        );
        const message = request.operationName
          ? `Unknown operation named "${request.operationName}"`
          : `Must provide an operationName: the document has ${names.length} operations`;
        throw new GraphQLError(message, {
          extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
        });
      },
    };
  },
};
