import { randomUUID } from 'node:crypto';
import {
  createHandler,
  TOKEN_HEADER_KEY,
  TOKEN_QUERY_KEY,
  type Request as SseRequest,
  type Response as SseResponse,
} from 'graphql-sse';
import type { GraphQLFormattedError } from 'graphql';
import Negotiator from 'negotiator';
import { DomainError, type FastifyReply, type FastifyRequest, type Viewer } from '@ates/service-kit';
import type { GatewayContext } from '../context.ts';
import type { StreamRequest } from './stream-gate.ts';
import {
  sendRefusal,
  withinDeadline,
  writeChunk,
  type StreamTransport,
  type StreamTransportOptions,
} from './stream-response.ts';

interface Caller {
  context: GatewayContext;
  viewer: Viewer;
  /** Set on the requests the gateway makes to itself to drop an unclaimed reservation. */
  internal?: true;
}

/** A single-connection stream reserved by PUT: its owner, and the slot it holds. */
interface Reservation {
  userId: string;
  release(): void;
  expiry: NodeJS.Timeout | undefined;
}

const json = (status: number, statusText: string, errors: GraphQLFormattedError[]): SseResponse => [
  JSON.stringify({ errors }),
  { status, statusText, headers: { 'content-type': 'application/json; charset=utf-8' } },
];

/**
 * An event stream is what the client prefers, not merely accepts: urql lists `text/event-stream`
 * after the JSON types in every query's Accept, and those queries belong to Apollo.
 */
const prefersEventStream = (accept: string) =>
  new Negotiator({ headers: { accept } }).mediaType([
    'application/graphql-response+json',
    'application/json',
    'text/event-stream',
  ]) === 'text/event-stream';

const streamTokenOf = (req: { headers: { get(key: string): string | null | undefined }; url: string }) =>
  req.headers.get(TOKEN_HEADER_KEY) ??
  new URL(req.url, 'http://localhost/').searchParams.get(TOKEN_QUERY_KEY);

/**
 * GraphQL over SSE with the graphql-sse library's handler, both of its modes, on the gateway's
 * `/graphql`: "distinct connections" (POST or GET with `Accept: text/event-stream`, one stream per
 * operation) and "single connection" (PUT reserves a stream, GET reads it, POST/DELETE start and
 * stop operations on it). Every request carries the user's token; a reserved stream belongs to the
 * user who reserved it and holds one of their stream slots. Operations go through the stream gate.
 */
export function createSseTransport(options: StreamTransportOptions): StreamTransport {
  const { gate, limits } = options;
  const reservations = new Map<string, Reservation>();
  const open = new Set<{ end(): void }>();

  const handler = createHandler<FastifyRequest, Caller>({
    authenticate: (req) => {
      const caller = req.context;
      if (req.method === 'PUT') {
        const slot = gate.take(caller.viewer);
        if (!('release' in slot)) return json(429, 'Too Many Requests', [slot]);
        const token = randomUUID();
        reservations.set(token, {
          userId: caller.viewer.userId,
          release: slot.release,
          // Reserved but never read: dropped, so reservations cannot pile up.
          expiry: setTimeout(() => void drop(token), limits.reservationMs),
        });
        return token;
      }
      const token = streamTokenOf(req);
      if (!token) return null; // distinct connections
      const reservation = reservations.get(token);
      if (caller.internal) return token;
      if (!reservation || reservation.userId !== caller.viewer.userId)
        return json(404, 'Not Found', [{ message: 'Stream not found', extensions: { code: 'NOT_FOUND' } }]);
      return token;
    },
    onSubscribe: async (req, params) => {
      const opened = await gate.open(params as StreamRequest, async () => req.context.context);
      if (!opened.ok) return json(opened.status, 'Refused', opened.errors);
      return opened.results;
    },
  });

  /** Ends a reservation through the library (its stream table is private): subscribe, then leave. */
  const drop = async (token: string) => {
    const reservation = reservations.get(token);
    if (!reservation) return;
    reservations.delete(token);
    reservation.release();
    const [body] = await handler({
      method: 'GET',
      url: '/graphql',
      headers: {
        get: (key) => (key === 'accept' ? 'text/event-stream' : key === TOKEN_HEADER_KEY ? token : null),
      },
      body: null,
      raw: undefined as unknown as FastifyRequest,
      context: { internal: true } as Caller,
    });
    if (body && typeof body !== 'string') await body.return(undefined);
  };

  const claims = (request: FastifyRequest) => {
    const accept = request.headers.accept ?? '';
    if (accept.includes('text/event-stream') && prefersEventStream(accept)) return true;
    if (request.method === 'PUT' || request.method === 'DELETE') return true;
    return Boolean(
      request.headers[TOKEN_HEADER_KEY] ?? (request.query as Record<string, unknown>)[TOKEN_QUERY_KEY],
    );
  };

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const accept = request.headers.accept;
    let context: GatewayContext;
    try {
      context = await options.contextOf(request.raw);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return void sendRefusal(
        reply,
        401,
        [{ message: error.message, extensions: { code: error.code } }],
        accept,
      );
    }
    const viewer = context.viewer;
    if (!viewer)
      return void sendRefusal(
        reply,
        401,
        [
          {
            message: 'Log in first: send Authorization: Bearer <token>',
            extensions: { code: 'UNAUTHENTICATED' },
          },
        ],
        accept,
      );
    const req: SseRequest<FastifyRequest, Caller> = {
      method: request.method,
      url: request.url,
      headers: {
        get: (key) => {
          const value = request.headers[key];
          // graphql-sse compares the whole header: `text/event-stream` among others still counts.
          if (key === 'accept' && value?.includes('text/event-stream')) return 'text/event-stream';
          return Array.isArray(value) ? value.join(', ') : (value ?? null);
        },
      },
      body: (request.body as Record<string, unknown> | null | undefined) ?? null,
      raw: request,
      context: { context, viewer },
    };
    const answered = await withinDeadline(handler(req), limits.firstByteMs, ([late]) => {
      if (late && typeof late !== 'string') void late.return(undefined);
    });
    if ('late' in answered)
      return void sendRefusal(
        reply,
        503,
        [{ message: 'The stream could not start in time', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
        accept,
      );
    const [body, init] = answered;
    if (!body || typeof body === 'string') {
      reply.code(init.status).headers(init.headers ?? {});
      return void reply.send(body ?? undefined);
    }
    // A single-connection stream is claimed: it lives as long as its GET and its owner's token.
    const token = request.method === 'GET' || request.method === 'POST' ? streamTokenOf(req) : null;
    const reservation = token ? reservations.get(token) : undefined;
    if (reservation) clearTimeout(reservation.expiry);
    const stopDeath = reservation
      ? gate.onTokenDeath(viewer, () => setImmediate(() => void body.return(undefined)))
      : () => {};
    const handle = { end: () => void body.return(undefined) };
    open.add(handle);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(init.status, { ...init.headers, 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.once('close', handle.end);
    try {
      for await (const chunk of body) if (!writeChunk(res, chunk)) break;
    } finally {
      open.delete(handle);
      stopDeath();
      res.off('close', handle.end);
      if (token && reservation && reservations.get(token) === reservation) {
        reservations.delete(token);
        reservation.release();
      }
      if (!res.destroyed) res.end();
    }
  };

  return {
    claims,
    serve,
    count: () => open.size,
    close: () => {
      for (const handle of [...open]) handle.end();
      for (const token of [...reservations.keys()]) void drop(token);
    },
  };
}
