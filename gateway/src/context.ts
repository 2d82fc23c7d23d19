import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { TokenVerifier, Viewer } from '@ates/service-kit';

export interface GatewayContext {
  viewer: Viewer | null;
  /** Forwarded as is to every subgraph, which verifies it again. */
  authorization: string | undefined;
  correlationId: string;
}

const CORRELATION = /^[A-Za-z0-9._-]{1,100}$/;

export function makeGatewayContext(verifier: TokenVerifier) {
  return async (req: IncomingMessage): Promise<GatewayContext> => {
    const authorization = req.headers.authorization;
    // Fails the whole request with UNAUTHENTICATED when a token is present but not valid.
    const viewer = await verifier.viewerFromHeader(authorization);
    const incoming = req.headers['x-correlation-id'];
    const correlationId =
      typeof incoming === 'string' && CORRELATION.test(incoming) ? incoming : randomUUID();
    return { viewer, authorization, correlationId };
  };
}
