import { z } from 'zod';
import { natsUrl, optionalString, parseEnv } from '@ates/service-kit';

const schema = z.object({
  NATS_URL: natsUrl(),
  /** Default for --db. */
  ATES_EVENTS_DATABASE_URL: optionalString(),
  /** Default for `streams ensure --retention` (e.g. `tasks=45d:20GiB,jobs=3d:1GiB`). */
  ATES_STREAM_RETENTION: optionalString(),
});

/** The one place the events CLI reads process.env. */
export const loadCliEnv = (source: NodeJS.ProcessEnv = process.env) => parseEnv('events-cli', schema, source);
