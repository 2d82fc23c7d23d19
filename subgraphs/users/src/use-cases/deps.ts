import type { Clock, Logger, TokenSigner } from '@ates/service-kit';
import type { UsersDb } from '../db/user-repository.ts';
import type { ThrottlePolicy } from '../domain/login-throttle.ts';

/** What the use cases need from the outside world; tests pass their own clock and ids. */
export interface UsersDeps {
  db: UsersDb;
  clock: Clock;
  signer: TokenSigner;
  logger: Logger;
  /** log2 of scrypt's N for new hashes. */
  passwordCost: number;
  newId: () => string;
  /** Failed log-ins allowed per login and per client address in a window. */
  throttle: ThrottlePolicy;
}
