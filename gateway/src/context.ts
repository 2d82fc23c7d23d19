import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { acceptCorrelationId, CORRELATION_HEADER, type TokenVerifier, type Viewer } from '@ates/service-kit';

export interface GatewayContext {
  viewer: Viewer | null;
  /** Forwarded as is to every subgraph, which verifies it again. */
  authorization: string | undefined;
  correlationId: string;
  /** The caller's address, forwarded to subgraphs (log-in throttling). */
  clientAddress?: string;
}

/**
 * The client's address: the socket's peer, or with `trustProxy` (behind a load balancer that
 * sets it) the first address of `X-Forwarded-For`.
 */
export function clientAddressOf(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0]?.trim() || undefined;
  return req.socket.remoteAddress ?? undefined;
}

export function makeGatewayContext(verifier: TokenVerifier, trustProxy = false) {
  return async (req: IncomingMessage): Promise<GatewayContext> => {
    const authorization = req.headers.authorization;
    // Fails the whole request with UNAUTHENTICATED when a token is present but not valid.
    const viewer = await verifier.viewerFromHeader(authorization);
    // The HTTP server has already accepted the caller's id or made one (and echoes it back).
    const correlationId = acceptCorrelationId(req.headers[CORRELATION_HEADER]) ?? randomUUID();
    return { viewer, authorization, correlationId, clientAddress: clientAddressOf(req, trustProxy) };
  };
}
