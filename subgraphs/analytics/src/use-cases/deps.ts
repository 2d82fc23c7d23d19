import type { Clock, Logger } from '@ates/service-kit';
import type { AnalyticsDb } from '../db/db.ts';

export interface AnalyticsDeps {
  /** The primary: the projection writes here. */
  db: AnalyticsDb;
  /** Where queries read: a read replica if configured, else the primary. */
  readDb: AnalyticsDb;
  clock: Clock;
  /** The company time zone (IANA): days, weeks and months are calendar dates there. */
  timeZone: string;
  logger: Logger;
}
