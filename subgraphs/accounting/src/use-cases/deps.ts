import type { Sql } from 'postgres';
import type { Clock, Logger, RandomSource } from '@ates/service-kit';
import type { AccountingDb } from '../db/db.ts';

export interface AccountingDeps {
  db: AccountingDb;
  /** The serving side's small read pool (single statements, no transaction); else `db`. */
  reads?: AccountingDb;
  /** The same pool as `db`, for session-level locks and LISTEN/NOTIFY. */
  sql: Sql;
  clock: Clock;
  /** Draws task prices. */
  random: RandomSource;
  /** The company time zone (IANA): business days are calendar dates there. */
  timeZone: string;
  /** The company's first business day (YYYY-MM-DD): no earlier day is closed. Default DEFAULT_FIRST_DAY. */
  firstDay?: string;
  logger: Logger;
  newId: () => string;
}

export const PRODUCER = 'accounting';
