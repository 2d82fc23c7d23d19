import { z } from 'zod';
import type { RandomSource } from '@ates/service-kit';

/** How the sandbox misbehaves, so that tests and demos can make the "bank" fail and recover. */
export interface FaultSettings {
  /** The next n payment requests fail with `status` (nothing is recorded). */
  failNext: number;
  /** After those, each request fails with this probability (0..1). */
  failRate: number;
  /** The status of an injected failure: 5xx/429 look retryable to clients, other 4xx final. */
  status: number;
  /** Delay before answering, applied after the payment is recorded: a client that times out has paid. */
  latencyMs: number;
}

export const faultPatch = z
  .object({
    failNext: z.number().int().min(0),
    failRate: z.number().min(0).max(1),
    status: z.number().int().min(400).max(599),
    latencyMs: z.number().int().min(0).max(600_000),
    /** Back to the settings the process started with, then apply the rest. */
    reset: z.boolean(),
  })
  .partial()
  .strict();

export type FaultPatch = z.infer<typeof faultPatch>;

export const NO_FAULTS: FaultSettings = { failNext: 0, failRate: 0, status: 503, latencyMs: 0 };

export class Faults {
  private current: FaultSettings;

  constructor(
    private readonly initial: FaultSettings,
    private readonly random: RandomSource,
  ) {
    this.current = { ...initial };
  }

  settings(): FaultSettings {
    return { ...this.current };
  }

  update(patch: FaultPatch): FaultSettings {
    const { reset, ...rest } = patch;
    const base = reset ? { ...this.initial } : this.current;
    this.current = {
      ...base,
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    };
    return this.settings();
  }

  /** Decides (and counts down) whether this payment request fails; returns the status to answer. */
  nextFailure(): number | undefined {
    if (this.current.failNext > 0) {
      this.current.failNext -= 1;
      return this.current.status;
    }
    if (this.current.failRate > 0 && this.random.intBetween(0, 999_999) < this.current.failRate * 1_000_000)
      return this.current.status;
    return undefined;
  }
}
