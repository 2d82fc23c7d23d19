import {
  GraphQLError,
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import {
  checkOperation,
  createPushIterator,
  DomainError,
  epochMs,
  TOKEN_REVOKED_CLOSE,
  type Logger,
  type OperationLimits,
  type TokenVerifier,
  type Viewer,
} from '@ates/service-kit';
import type { GatewayContext } from '../context.ts';

/** What an HTTP subscriber (SSE, multipart) may hold open. */
export interface StreamLimits {
  /** Subscriptions over HTTP one user holds at once (the ws cap per socket by default). */
  maxStreamsPerViewer: number;
  /** Subscriptions over HTTP the gateway holds at once, all users together. */
  maxStreams: number;
  /** A stream's response starts (headers and a first heartbeat) within this, or fails. */
  firstByteMs: number;
  /** Multipart heartbeat interval (Apollo's router sends `{}` every 5 s). */
  heartbeatMs: number;
  /** A single-connection SSE reservation (PUT) unclaimed by its GET within this is dropped. */
  reservationMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxStreamsPerViewer: 100,
  maxStreams: 10_000,
  firstByteMs: 5_000,
  heartbeatMs: 5_000,
  reservationMs: 3_000,
};

/** A GraphQL request as the HTTP transports receive it (JSON body or query string). */
export interface StreamRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

export type OpenedStream =
  | { ok: true; viewer: Viewer; results: AsyncIterableIterator<ExecutionResult> }
  | { ok: false; status: number; errors: GraphQLFormattedError[] };

export interface StreamGateOptions {
  schema: GraphQLSchema;
  verifier: TokenVerifier;
  limits: OperationLimits;
  streams: StreamLimits;
  /** The text of a persisted document (APQ registrations and trusted documents) by SHA-256. */
  persisted: (sha256: string) => Promise<string | undefined>;
  /** Refuses a document for a viewer (trusted documents), as over HTTP and graphql-ws. */
  refuseDocument: (document: DocumentNode, viewer: Viewer) => GraphQLError | undefined;
  /** The federated subscribe every transport shares (server.ts). */
  subscribe: (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  logger: Logger;
}

export interface StreamGate {
  /**
   * Authenticates (the context's viewer), resolves a persisted document, checks the operation
   * limits, that it is a subscription, the trusted documents and the caps, and subscribes. The
   * results end with a fatal result (see `isFatal`) when the token is revoked or expires.
   */
  open(request: StreamRequest, contextOf: () => Promise<GatewayContext>): Promise<OpenedStream>;
  /** Takes one of the viewer's stream slots (a single-connection SSE stream holds one). */
  take(viewer: Viewer): { release(): void } | GraphQLFormattedError;
  /** Calls `listener` when the viewer's token dies (revoked or expired) until disposed. */
  onTokenDeath(viewer: Viewer, listener: (reason: GraphQLFormattedError) => void): () => void;
  /** Subscriptions open through the gate now. */
  count(): number;
  /** Ends every stream (server shutdown). */
  close(): void;
}

const fatalResults = new WeakSet<ExecutionResult>();

/** The last result of a stream that ends for a reason of the transport (token, shutdown). */
export const isFatal = (result: ExecutionResult) => fatalResults.has(result);

const failure = (status: number, code: string, message: string): OpenedStream => ({
  ok: false,
  status,
  errors: [{ message, extensions: { code } }],
});

/** Our GraphQLErrors as a client sees them: the `http` hint is for the transport only. */
const formatted = (error: GraphQLError): GraphQLFormattedError => {
  const { http: _http, ...extensions } = error.extensions;
  return { message: error.message, extensions };
};

const STATUS_OF: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TOO_MANY_SUBSCRIPTIONS: 429,
};

/**
 * The transport-independent half of a subscription over HTTP (GraphQL over SSE, Apollo's
 * multipart): the same checks, in the same order, as graphql-ws applies per socket, plus caps per
 * user and in total, and the end of every stream of a token that is revoked or expires.
 */
export function createStreamGate(options: StreamGateOptions): StreamGate {
  const { limits, streams, verifier } = options;
  const perUser = new Map<string, number>();
  let total = 0;
  const deaths = new Map<string, Set<{ viewer: Viewer; listener: (e: GraphQLFormattedError) => void }>>();
  const live = new Set<{ end(reason: GraphQLFormattedError): void }>();

  const revoked = { message: TOKEN_REVOKED_CLOSE.reason, extensions: { code: 'UNAUTHENTICATED' } };
  const expired = { message: 'Token expired: log in again', extensions: { code: 'UNAUTHENTICATED' } };
  const deathOf = (viewer: Viewer) =>
    verifier.isRevoked(viewer)
      ? revoked
      : viewer.expiresAt && viewer.expiresAt.getTime() <= epochMs()
        ? expired
        : undefined;

  const stopRevocations = verifier.onRevoked((revocation) => {
    for (const entry of [...(deaths.get(revocation.userId) ?? [])])
      if ((entry.viewer.generation ?? 0) < revocation.generation) entry.listener(revoked);
  });

  const onTokenDeath = (viewer: Viewer, listener: (reason: GraphQLFormattedError) => void) => {
    const entry = { viewer, listener };
    const mine = deaths.get(viewer.userId) ?? new Set();
    deaths.set(viewer.userId, mine.add(entry));
    const left = viewer.expiresAt ? viewer.expiresAt.getTime() - epochMs() : undefined;
    const timer = left === undefined ? undefined : setTimeout(() => listener(expired), Math.max(0, left));
    return () => {
      clearTimeout(timer);
      mine.delete(entry);
      if (mine.size === 0 && deaths.get(viewer.userId) === mine) deaths.delete(viewer.userId);
    };
  };

  const take = (viewer: Viewer): { release(): void } | GraphQLFormattedError => {
    const mine = perUser.get(viewer.userId) ?? 0;
    if (mine >= streams.maxStreamsPerViewer)
      return {
        message: `At most ${streams.maxStreamsPerViewer} subscriptions over HTTP per user`,
        extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
      };
    if (total >= streams.maxStreams)
      return {
        message: 'Too many subscriptions over HTTP right now: try again later',
        extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
      };
    perUser.set(viewer.userId, mine + 1);
    total += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (perUser.get(viewer.userId) ?? 1) - 1;
        if (left > 0) perUser.set(viewer.userId, left);
        else perUser.delete(viewer.userId);
      },
    };
  };

  const documentOf = async (request: StreamRequest): Promise<string | OpenedStream> => {
    if (request.query !== undefined && request.query !== null) return request.query as string;
    const persisted = (request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)
      ?.persistedQuery?.sha256Hash;
    if (typeof persisted !== 'string') return failure(400, 'BAD_REQUEST', 'The request has no query');
    const text = await options.persisted(persisted);
    return text ?? failure(400, 'PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound');
  };

  const open = async (
    request: StreamRequest,
    contextOf: () => Promise<GatewayContext>,
  ): Promise<OpenedStream> => {
    let context: GatewayContext;
    try {
      context = await contextOf();
    } catch (error) {
      if (error instanceof DomainError) return failure(401, error.code, error.message);
      throw error;
    }
    const viewer = context.viewer;
    if (!viewer) return failure(401, 'UNAUTHENTICATED', 'Log in first: send Authorization: Bearer <token>');
    const text = await documentOf(request);
    if (typeof text !== 'string') return text;
    const checked = checkOperation(options.schema, text, limits);
    if ('errors' in checked) return { ok: false, status: 400, errors: checked.errors.map(formatted) };
    const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
    if (getOperationAST(checked.document, operationName)?.operation !== 'subscription')
      return failure(
        400,
        'BAD_REQUEST',
        'Only subscriptions are served as event streams: send queries and mutations by plain POST or GET',
      );
    const refused = options.refuseDocument(checked.document, viewer);
    if (refused) return { ok: false, status: 403, errors: [formatted(refused)] };
    const slot = take(viewer);
    if (!('release' in slot)) return { ok: false, status: 429, errors: [slot] };
    const variables = request.variables;
    let subscribed: AsyncIterableIterator<ExecutionResult> | ExecutionResult;
    try {
      subscribed = await options.subscribe({
        schema: options.schema,
        document: checked.document,
        operationName,
        variableValues:
          variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : {},
        contextValue: context,
      });
    } catch (error) {
      slot.release();
      throw error;
    }
    if (!(Symbol.asyncIterator in subscribed)) {
      slot.release();
      const errors = (subscribed.errors ?? []).map(formatted);
      const code = errors[0]?.extensions?.code;
      return { ok: false, status: (typeof code === 'string' && STATUS_OF[code]) || 400, errors };
    }
    const source = subscribed;
    let stopDeath = () => {};
    const handle = {
      end: (reason: GraphQLFormattedError) => {
        const last: ExecutionResult = {
          errors: [new GraphQLError(reason.message, { extensions: reason.extensions })],
        };
        fatalResults.add(last);
        out.push(last);
        out.end();
        void source.return?.();
      },
    };
    const out = createPushIterator<ExecutionResult>(() => {
      live.delete(handle);
      stopDeath();
      slot.release();
      void source.return?.();
    });
    live.add(handle);
    stopDeath = onTokenDeath(viewer, handle.end);
    void (async () => {
      try {
        for await (const result of source) {
          // The subgraph may drop a dead token's upstream before the gateway's timer fires:
          // the client learns why (the token), not SUBGRAPH_UNAVAILABLE.
          const death = deathOf(viewer);
          if (death) return handle.end(death);
          out.push(result);
        }
        out.end();
      } catch (error) {
        options.logger.warn({ err: error }, 'a subscription over HTTP failed');
        handle.end({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      }
    })();
    return { ok: true, viewer, results: out };
  };

  return {
    open,
    take,
    onTokenDeath,
    count: () => total,
    close: () => {
      stopRevocations();
      const reason = { message: 'Server shutting down', extensions: { code: 'SERVICE_UNAVAILABLE' } };
      for (const handle of [...live]) handle.end(reason);
    },
  };
}
