import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { CLIENT_ADDRESS_HEADER } from '@ates/service-kit';
import type { GatewayContext } from './context.ts';
import { BufferedResponse, subgraphError, type SubgraphFetchers } from './subgraph-fetcher.ts';

/** Bytes of subgraph answers so far, per request (its context). */
const responseBytes = new WeakMap<object, number>();

/** Sends each subgraph the caller's token and the request's correlation id. */
export class AuthForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /**
   * @param maxResponseBytes what all subgraph answers to one request may add up to (the
   * response is about their sum); unset for subscriptions, whose events each stand alone.
   */
  constructor(
    readonly serviceName: string,
    config: ConstructorParameters<typeof RemoteGraphQLDataSource<GatewayContext>>[0],
    private readonly maxResponseBytes?: number,
  ) {
    super(config);
  }

  override didReceiveResponse({
    response,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]) {
    if (this.maxResponseBytes === undefined || !(response.http instanceof BufferedResponse)) return response;
    const used = (responseBytes.get(context) ?? 0) + response.http.byteLength;
    responseBytes.set(context, used);
    if (used > this.maxResponseBytes)
      throw new GraphQLError(`The answer would exceed ${this.maxResponseBytes} bytes: ask for less`, {
        extensions: { code: 'RESPONSE_TOO_LARGE' },
      });
    return response;
  }

  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]): void {
    const headers = request.http?.headers;
    if (!headers) return;
    if (context.authorization) headers.set('authorization', context.authorization);
    if (context.correlationId) headers.set('x-correlation-id', context.correlationId);
    // Never a caller's X-Forwarded-For: subgraphs believe only the gateway's signature.
    headers.delete('x-forwarded-for');
    if (context.signedClientAddress) headers.set(CLIENT_ADDRESS_HEADER, context.signedClientAddress);
  }

  /**
   * A subgraph answers a request it refuses as a whole (bad variables, a token it rejects)
   * with a 4xx and a GraphQL body; keep that error's message and code for the client instead
   * of a bare HTTP error that would surface as INTERNAL_SERVER_ERROR.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]) {
    if (response.status >= 400 && response.status < 500) {
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as
        { errors?: Array<{ message?: string; extensions?: Record<string, unknown> }> } | undefined;
      const first = body?.errors?.[0];
      if (first?.message && typeof first.extensions?.code === 'string') {
        return new GraphQLError(first.message, { extensions: { code: first.extensions.code } });
      }
    }
    if (response.status >= 500)
      return subgraphError(
        this.serviceName,
        'SUBGRAPH_UNAVAILABLE',
        `The ${this.serviceName} service failed (HTTP ${response.status}); try again later`,
      );
    return super.errorFromResponse(response);
  }
}

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/**
 * The gateway serves the supergraph composed at build time (`pnpm compose`), never
 * introspecting subgraphs at run time. URLs recorded in the supergraph can be overridden.
 * Every subgraph request goes through its subgraph's fetcher (deadline and circuit breaker,
 * see subgraph-fetcher.ts).
 */
export function createGateway(
  supergraphSdl: string,
  urlOverrides: Record<string, string>,
  fetchers: SubgraphFetchers,
  maxResponseBytes?: number,
) {
  // @apollo/gateway otherwise exports usage metrics to Apollo and probes cloud metadata
  // endpoints (169.254.169.254 …) at construction: aTES calls no outside service, ever.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const endpoints: SubgraphEndpoint[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const finalUrl = urlOverrides[name] ?? url;
      if (!finalUrl) throw new Error(`No URL for subgraph ${name}`);
      endpoints.push({ name, url: finalUrl });
      return new AuthForwardingDataSource(
        name,
        { url: finalUrl, fetcher: fetchers.fetcherFor(name) },
        maxResponseBytes,
      );
    },
  });
  return { gateway, endpoints };
}
