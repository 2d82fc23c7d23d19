import { z } from 'zod';
import { commonEnv, parseEnv, port, repoRoot } from '@ates/service-kit';
import path from 'node:path';

const schema = z
  .object({
    ...commonEnv,
    HOST: z.string().default('127.0.0.1'),
    GATEWAY_PORT: port(4000),
    ATES_SUPERGRAPH_PATH: z.string().default(path.join(repoRoot, 'schema/supergraph.graphql')),
    ATES_UI_DIR: z.string().default(path.join(repoRoot, 'ui/dist')),
    ATES_EXPLORER_DIR: z.string().default(path.join(repoRoot, 'gateway/explorer/dist')),
    ATES_USERS_URL: z.string().url().optional(),
    ATES_TASKS_URL: z.string().url().optional(),
    ATES_ACCOUNTING_URL: z.string().url().optional(),
    ATES_ANALYTICS_URL: z.string().url().optional(),
    ATES_INTROSPECTION: z.enum(['true', 'false']).optional(),
    ATES_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
    ATES_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
    ATES_MAX_QUERY_DEPTH: z.coerce.number().int().min(2).default(12),
    ATES_MAX_QUERY_FIELDS: z.coerce.number().int().min(10).default(1000),
    ATES_MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(50),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.ATES_JWT_PUBLIC_KEY)
      ctx.addIssue({ code: 'custom', path: ['ATES_JWT_PUBLIC_KEY'], message: 'required in production' });
  });

export type GatewayEnv = z.output<typeof schema>;

export const loadGatewayEnv = (source: NodeJS.ProcessEnv = process.env): GatewayEnv =>
  parseEnv('gateway', schema, source);

/** `ATES_<NAME>_URL` overrides the development URL recorded in the supergraph. */
export function subgraphUrlOverrides(env: GatewayEnv): Record<string, string> {
  const entries = Object.entries({
    users: env.ATES_USERS_URL,
    tasks: env.ATES_TASKS_URL,
    accounting: env.ATES_ACCOUNTING_URL,
    analytics: env.ATES_ANALYTICS_URL,
  }).filter((e): e is [string, string] => e[1] !== undefined);
  return Object.fromEntries(entries);
}
