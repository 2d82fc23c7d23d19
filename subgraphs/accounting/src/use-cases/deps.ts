import type { Clock, Logger, RandomSource } from '@ates/service-kit';
import type { AccountingDb } from '../db/db.ts';

export interface AccountingDeps {
  db: AccountingDb;
  clock: Clock;
  /** Draws task prices. */
  random: RandomSource;
  /** The company time zone (IANA): business days are calendar dates there. */
  timeZone: string;
  logger: Logger;
  newId: () => string;
}

export const PRODUCER = 'accounting';
