import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  acceptCorrelationId,
  clientAddress,
  CORRELATION_HEADER,
  signClientAddress,
  type NextSink,
  type TrustedProxies,
  type TokenVerifier,
  type Viewer,
  epochMs,
} from '@ates/service-kit';

export interface GatewayContext {
  viewer: Viewer | null;
  /** Forwarded as is to every subgraph, which verifies it again. */
  authorization: string | undefined;
  correlationId: string;
  /** The caller's address (log-in throttling), from the peer or trusted proxies only. */
  clientAddress?: string;
  /** `clientAddress` signed with the internal secret, for the subgraphs. */
  signedClientAddress?: string;
  /** graphql-ws only: writes this subscription's results onto its socket, serialised once per event. */
  nextSink?: NextSink;
}

export interface ClientAddressPolicy {
  trust: TrustedProxies;
  internalSecret: string | undefined;
}

export function makeGatewayContext(verifier: TokenVerifier, addresses: ClientAddressPolicy) {
  return async (req: IncomingMessage): Promise<GatewayContext> => {
    const authorization = req.headers.authorization;
    // Fails the whole request with UNAUTHENTICATED when a token is present but not valid.
    const viewer = await verifier.viewerFromHeader(authorization);
    // The HTTP server has already accepted the caller's id or made one (and echoes it back).
    const correlationId = acceptCorrelationId(req.headers[CORRELATION_HEADER]) ?? randomUUID();
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], addresses.trust);
    return {
      viewer,
      authorization,
      correlationId,
      clientAddress: address,
      ...(address && addresses.internalSecret
        ? { signedClientAddress: signClientAddress(addresses.internalSecret, address, epochMs()) }
        : {}),
    };
  };
}
