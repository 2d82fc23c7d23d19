import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import type { FastifyReply, FastifyRequest } from '@ates/service-kit';
import type { GatewayContext } from '../context.ts';
import type { StreamGate, StreamLimits } from './stream-gate.ts';

/** A subscription transport over HTTP (SSE, multipart) on the GraphQL path. */
export interface StreamTransport {
  /** Whether this request is one of the transport's protocol. */
  claims(request: FastifyRequest): boolean;
  serve(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Streams open now. */
  count(): number;
  close(): void;
}

export interface StreamTransportOptions {
  gate: StreamGate;
  contextOf: (req: IncomingMessage) => Promise<GatewayContext>;
  limits: StreamLimits;
}

/** Bytes a stream may have queued for a slow reader before it is cut (the memory bound). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** `work`, or a GATEWAY_TIMEOUT refusal when it has not settled within `ms` (the first byte's deadline). */
export async function withinDeadline<T>(
  work: Promise<T>,
  ms: number,
  onLate: (value: T) => void,
): Promise<T | { late: true }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ late: true }>((resolve) => {
    timer = setTimeout(() => resolve({ late: true }), ms);
  });
  const settled = await Promise.race([work, late]);
  clearTimeout(timer);
  if (typeof settled === 'object' && settled !== null && 'late' in settled) {
    // The work may still produce a stream nobody will read: release it.
    void work.then(onLate, () => {});
  }
  return settled;
}

/** A refusal before any stream opened, in the GraphQL-over-HTTP shape. */
export function sendRefusal(
  reply: FastifyReply,
  status: number,
  errors: readonly GraphQLFormattedError[],
  accept: string | undefined,
): FastifyReply {
  const type = (accept ?? '').includes('application/graphql-response+json')
    ? 'application/graphql-response+json; charset=utf-8'
    : 'application/json; charset=utf-8';
  return reply.code(status).header('content-type', type).header('cache-control', 'no-store').send({ errors });
}

/**
 * Writes one chunk of a long-lived response; false once the client is gone or reads too slowly
 * (more than MAX_BUFFERED_BYTES queued: the response is cut rather than buffered without end).
 */
export function writeChunk(res: ServerResponse, chunk: string): boolean {
  if (res.destroyed || !res.writable) return false;
  if (res.writableLength > MAX_BUFFERED_BYTES) {
    res.destroy();
    return false;
  }
  res.write(chunk);
  return true;
}
