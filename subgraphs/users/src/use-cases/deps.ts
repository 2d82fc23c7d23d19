import type { Clock, Logger, TokenSigner } from '@ates/service-kit';
import type { UsersDb } from '../db/user-repository.ts';
import type { ThrottlePolicy, ThrottleScope } from '../domain/login-throttle.ts';

/** Counts what log-in sees, for metrics (`ates_login_attempts_total`, `ates_login_lockouts_total`). */
export interface AuthAudit {
  attempt(outcome: 'success' | 'failure' | 'rate_limited'): void;
  lockout(scope: ThrottleScope): void;
  /** A rotated refresh token came back: its family was revoked. */
  refreshReused(): void;
}

/** What the use cases need from the outside world; tests pass their own clock and ids. */
export interface UsersDeps {
  db: UsersDb;
  /** The serving side's small read pool (single statements, no transaction); else `db`. */
  reads?: UsersDb;
  clock: Clock;
  signer: TokenSigner;
  logger: Logger;
  /** log2 of scrypt's N for new hashes. */
  passwordCost: number;
  newId: () => string;
  /** 256 random bits, base64url: refresh tokens. */
  newSecret: () => string;
  /** How long a refresh token lives unused (each rotation starts a new one). */
  refreshTtlSeconds: number;
  /** Failed log-ins allowed per login and address, per address, per login in a window. */
  throttle: ThrottlePolicy;
  audit: AuthAudit;
}
