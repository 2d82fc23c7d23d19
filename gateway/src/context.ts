import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  acceptCorrelationId,
  clientAddressOf,
  CORRELATION_HEADER,
  type TokenVerifier,
  type Viewer,
} from '@ates/service-kit';

export interface GatewayContext {
  viewer: Viewer | null;
  /** Forwarded as is to every subgraph, which verifies it again. */
  authorization: string | undefined;
  correlationId: string;
  /** The caller's address, forwarded to subgraphs (log-in throttling). */
  clientAddress?: string;
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
