import { randomFraction } from '@ates/service-kit';
/** Exponential backoff with full jitter, for retrying infrastructure (NATS, Postgres) outages. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt += 1;
    return Math.round(ceiling / 2 + (randomFraction() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
