import Negotiator from 'negotiator';
import type { ApolloServerPlugin, BaseContext, HeaderMap } from '@apollo/server';

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
const APPLICATION_JSON = 'application/json';

/** The media type a single result is sent as: the client's preference, JSON when it states none. */
export function negotiatedMediaType(headers: HeaderMap): string | undefined {
  const accept = headers.get('accept');
  if (!accept) return APPLICATION_JSON;
  return new Negotiator({ headers: { accept } }).mediaType([APPLICATION_JSON, GRAPHQL_RESPONSE_JSON]);
}

/**
 * The GraphQL-over-HTTP spec: a well-formed request answered as `application/json` (the legacy
 * type, which clients read regardless of status) SHOULD get 200 even when the document fails to
 * parse or validate or its variables do not coerce; `application/graphql-response+json` keeps
 * Apollo's 4xx. Apollo answers 400 for both, so the status is set here once the type is known.
 * A request that is not well-formed (no query, a query that is not a string: BAD_REQUEST) keeps
 * its 400, and other statuses (405 for a mutation over GET, 413, 415) stay as they are.
 */
export const graphqlResponseStatusPlugin: ApolloServerPlugin<BaseContext> = {
  async requestDidStart({ request }) {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single' || !request.http) return;
        const mediaType = negotiatedMediaType(request.http.headers);
        if (!mediaType) return;
        response.http.headers.set('content-type', `${mediaType}; charset=utf-8`);
        if (mediaType !== APPLICATION_JSON || response.http.status !== 400) return;
        const errors = response.body.singleResult.errors ?? [];
        if (errors.some((e) => e.extensions?.code === 'BAD_REQUEST')) return;
        response.http.status = 200;
      },
    };
  },
};
