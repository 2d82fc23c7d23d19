import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_NATS_URL, natsServers } from './addresses.ts';

/** The repository root (packages/service-kit/src → ../../..). */
export const repoRoot = path.resolve(import.meta.dirname, '../../..');

export class EnvError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/**
 * Parses a service's environment with a zod schema. Every problem is reported at once
 * (not just the first), each naming its variable.
 */
export function parseEnv<S extends z.ZodType>(
  service: string,
  schema: S,
  source: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    return `${name}: ${issue.message}`;
  });
  throw new EnvError(service, problems);
}

/** Empty strings count as unset, so `FOO=` in a shell falls back to the default. */
export const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const commonEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ATES_DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  ATES_JWT_PUBLIC_KEY: optionalString(),
  /**
   * Shared by the gateway and the subgraphs only: signs what the gateway vouches for (the
   * client's address). `pnpm start` makes one per run; production must set it.
   */
  ATES_INTERNAL_SECRET: optionalString(),
  /** Copies of each JetStream stream (3 on a 3-node cluster); 1 on a single server. */
  ATES_NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
};

/** `NATS_URL` in a service's environment: checked at start, so a typo fails there with its entry named. */
export const natsUrl = () =>
  z
    .string()
    .default(DEFAULT_NATS_URL)
    .superRefine((value, ctx) => {
      try {
        natsServers(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    });
