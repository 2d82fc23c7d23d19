import type { FastifyReply, FastifyRequest } from '@ates/service-kit';
import { isFatal, type StreamRequest } from './stream-gate.ts';
import {
  sendRefusal,
  withinDeadline,
  writeChunk,
  type StreamTransport,
  type StreamTransportOptions,
} from './stream-response.ts';

const BOUNDARY = 'graphql';
/** Each part ends with the next delimiter, so a client parses it as soon as it arrives. */
const part = (body: string) =>
  `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${body}\r\n--${BOUNDARY}`;
const HEARTBEAT = part('{}');

const MULTIPART_SUBSCRIPTION = /multipart\/mixed[^,]*subscriptionSpec\s*=\s*"?1\.0/i;

/** GET carries the request in the query string, its objects JSON-encoded (as Apollo Client sends them). */
function requestOf(request: FastifyRequest): StreamRequest | string {
  if (request.method === 'POST') {
    const body = request.body;
    return body && typeof body === 'object' && !Array.isArray(body)
      ? (body as StreamRequest)
      : 'The body must be a JSON object';
  }
  const query = request.query as Record<string, string | undefined>;
  try {
    return {
      query: query.query,
      operationName: query.operationName,
      variables: query.variables ? JSON.parse(query.variables) : undefined,
      extensions: query.extensions ? JSON.parse(query.extensions) : undefined,
    };
  } catch {
    return 'variables and extensions must be JSON';
  }
}

/**
 * Apollo's multipart HTTP subscriptions (what Apollo Client's HttpLink, Apollo Kotlin and iOS
 * speak, after Apollo Router): one response per subscription, `multipart/mixed; boundary="graphql";
 * subscriptionSpec=1.0`, whose parts are `{"payload": result}`, `{}` heartbeats every
 * `heartbeatMs`, and a last `{"payload": null, "errors": […]}` when the transport ends it (revoked
 * token, shutdown). The operation goes through the stream gate, like SSE's.
 */
export function createMultipartTransport(options: StreamTransportOptions): StreamTransport {
  const { gate, limits } = options;
  const open = new Set<{ end(): void }>();

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const accept = request.headers.accept;
    const params = requestOf(request);
    if (typeof params === 'string')
      return void sendRefusal(reply, 400, [{ message: params, extensions: { code: 'BAD_REQUEST' } }], accept);
    const opened = await withinDeadline(
      gate.open(params, () => options.contextOf(request.raw)),
      limits.firstByteMs,
      (late) => void (late.ok && late.results.return?.()),
    );
    if ('late' in opened)
      return void sendRefusal(
        reply,
        503,
        [{ message: 'The stream could not start in time', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
        accept,
      );
    if (!opened.ok) return void sendRefusal(reply, opened.status, opened.errors, accept);
    const { results } = opened;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': `multipart/mixed; boundary="${BOUNDARY}"; subscriptionSpec=1.0`,
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    const handle = { end: () => void results.return?.() };
    open.add(handle);
    res.once('close', handle.end);
    const heartbeat = setInterval(() => writeChunk(res, HEARTBEAT) || handle.end(), limits.heartbeatMs);
    let ended = false;
    try {
      if (writeChunk(res, `\r\n--${BOUNDARY}${HEARTBEAT}`))
        for await (const result of results) {
          const body = isFatal(result) ? { payload: null, errors: result.errors } : { payload: result };
          if (!writeChunk(res, part(JSON.stringify(body)))) break;
          if (isFatal(result)) break;
        }
      ended = true;
    } finally {
      clearInterval(heartbeat);
      open.delete(handle);
      res.off('close', handle.end);
      handle.end();
      if (ended && res.writable) res.end('--\r\n');
      else if (!res.destroyed) res.end();
    }
  };

  return {
    claims: (request) =>
      (request.method === 'POST' || request.method === 'GET') &&
      MULTIPART_SUBSCRIPTION.test(request.headers.accept ?? ''),
    serve,
    count: () => open.size,
    close: () => {
      for (const handle of [...open]) handle.end();
    },
  };
}
