import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayContext } from './context.ts';

/** Sends each subgraph the caller's token and the request's correlation id. */
export class AuthForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]): void {
    const headers = request.http?.headers;
    if (!headers) return;
    if (context.authorization) headers.set('authorization', context.authorization);
    if (context.correlationId) headers.set('x-correlation-id', context.correlationId);
  }
}

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/**
 * The gateway serves the supergraph composed at build time (`pnpm compose`), never
 * introspecting subgraphs at run time. URLs recorded in the supergraph can be overridden.
 */
export function createGateway(supergraphSdl: string, urlOverrides: Record<string, string>) {
  const endpoints: SubgraphEndpoint[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const finalUrl = urlOverrides[name] ?? url;
      if (!finalUrl) throw new Error(`No URL for subgraph ${name}`);
      endpoints.push({ name, url: finalUrl });
      return new AuthForwardingDataSource({ url: finalUrl });
    },
  });
  return { gateway, endpoints };
}
