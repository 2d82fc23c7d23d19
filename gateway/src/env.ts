import { z } from 'zod';
import {
  graphqlServerEnv,
  intAtLeast,
  parseEnv,
  port,
  repoRoot,
  requiredInProduction,
  workerEnv,
  wsLimitsEnv,
} from '@ates/service-kit';
import path from 'node:path';
import { DEFAULT_STREAM_LIMITS } from './subscriptions/stream-gate.ts';
import { DEFAULT_SUBGRAPH_CALL_POLICY, type SubgraphCallPolicy } from './subgraph-fetcher.ts';

const schema = z
  .object({
    // The users stream (NATS) tells the gateway which tokens were revoked.
    ...workerEnv,
    GATEWAY_PORT: port(4000),
    ATES_SUPERGRAPH_PATH: z.string().default(path.join(repoRoot, 'schema/supergraph.graphql')),
    /** `only`: callers other than admins run only the clients' committed operations. */
    ATES_TRUSTED_DOCUMENTS: z.enum(['off', 'only']).default('off'),
    ATES_TRUSTED_DOCUMENTS_DIR: z.string().default(path.join(repoRoot, 'schema/trusted-documents')),
    ATES_UI_DIR: z.string().default(path.join(repoRoot, 'ui/dist')),
    ATES_EXPLORER_DIR: z.string().default(path.join(repoRoot, 'gateway/explorer/dist')),
    ATES_USERS_URL: z.string().url().optional(),
    ATES_TASKS_URL: z.string().url().optional(),
    ATES_ACCOUNTING_URL: z.string().url().optional(),
    ATES_ANALYTICS_URL: z.string().url().optional(),
    /** Comma-separated addresses/CIDRs (or loopback, uniquelocal…) whose X-Forwarded-For is believed. */
    ATES_TRUSTED_PROXIES: z.string().default(''),
    ...graphqlServerEnv,
    ATES_MAX_RESPONSE_BYTES: intAtLeast(1024).default(4 * 1024 * 1024),
    ...wsLimitsEnv,
    // The gateway is the public edge: it caps sockets per address (subgraphs see only the gateway).
    ATES_WS_MAX_CONNECTIONS_PER_ADDRESS: intAtLeast(1).default(64),
    /** The subscriptions bench's before/after only: `broadcast` or `off` share fewer upstreams. */
    ATES_SUBSCRIPTION_DEDUP: z.enum(['on', 'broadcast', 'off']).default('on'),
    ATES_SUBSCRIPTION_SERIALISE: z.enum(['once', 'per-subscriber']).default('once'),
    /** Subscriptions over SSE and multipart open at once, all users together. */
    ATES_HTTP_STREAMS_MAX: intAtLeast(1).default(DEFAULT_STREAM_LIMITS.maxStreams),
    ATES_SUBGRAPH_DEADLINE_MS: intAtLeast(100).default(DEFAULT_SUBGRAPH_CALL_POLICY.deadlineMs),
    ATES_USERS_DEADLINE_MS: intAtLeast(100).optional(),
    ATES_TASKS_DEADLINE_MS: intAtLeast(100).optional(),
    ATES_ACCOUNTING_DEADLINE_MS: intAtLeast(100).optional(),
    ATES_ANALYTICS_DEADLINE_MS: intAtLeast(100).optional(),
    ATES_SUBGRAPH_CONNECT_TIMEOUT_MS: intAtLeast(100).default(DEFAULT_SUBGRAPH_CALL_POLICY.connectTimeoutMs),
    ATES_SUBGRAPH_MAX_RESPONSE_BYTES: intAtLeast(1024).default(DEFAULT_SUBGRAPH_CALL_POLICY.maxResponseBytes),
    ATES_SUBGRAPH_BREAKER_FAILURES: intAtLeast(1).default(DEFAULT_SUBGRAPH_CALL_POLICY.breakerFailures),
    ATES_SUBGRAPH_BREAKER_HALF_OPEN_MS: intAtLeast(100).default(
      DEFAULT_SUBGRAPH_CALL_POLICY.breakerHalfOpenAfterMs,
    ),
  })
  .superRefine(requiredInProduction('ATES_JWT_PUBLIC_KEY', 'ATES_INTERNAL_SECRET'));

export type GatewayEnv = z.output<typeof schema>;

export const loadGatewayEnv = (source: NodeJS.ProcessEnv = process.env): GatewayEnv =>
  parseEnv('gateway', schema, source);

const SUBGRAPHS = ['users', 'tasks', 'accounting', 'analytics'] as const;

/** Each subgraph's `ATES_<NAME>_<suffix>` that is set, by subgraph name. */
function setPerSubgraph<T>(env: GatewayEnv, suffix: 'URL' | 'DEADLINE_MS'): [string, T][] {
  return SUBGRAPHS.flatMap((name) => {
    const value = env[`ATES_${name.toUpperCase() as Uppercase<typeof name>}_${suffix}`];
    return value === undefined ? [] : [[name, value as T]];
  });
}

/** `ATES_<NAME>_URL` overrides the development URL recorded in the supergraph. */
export function subgraphUrlOverrides(env: GatewayEnv): Record<string, string> {
  return Object.fromEntries(setPerSubgraph<string>(env, 'URL'));
}

/** Subgraph call policy: the defaults, and `ATES_<NAME>_DEADLINE_MS` per subgraph. */
export function subgraphCallPolicy(env: GatewayEnv): {
  defaults: SubgraphCallPolicy;
  overrides: Record<string, Partial<SubgraphCallPolicy>>;
} {
  const deadlines = setPerSubgraph<number>(env, 'DEADLINE_MS');
  return {
    defaults: {
      deadlineMs: env.ATES_SUBGRAPH_DEADLINE_MS,
      connectTimeoutMs: env.ATES_SUBGRAPH_CONNECT_TIMEOUT_MS,
      maxResponseBytes: env.ATES_SUBGRAPH_MAX_RESPONSE_BYTES,
      breakerFailures: env.ATES_SUBGRAPH_BREAKER_FAILURES,
      breakerHalfOpenAfterMs: env.ATES_SUBGRAPH_BREAKER_HALF_OPEN_MS,
    },
    overrides: Object.fromEntries(deadlines.map(([name, deadlineMs]) => [name, { deadlineMs }])),
  };
}
