import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  databaseUrl,
  EnvError,
  parseEnv,
  requiredInProduction,
  subgraphEnv,
  timeZone,
} from '../src/index.ts';

const schema = z
  .object({ ...subgraphEnv, DB: databaseUrl('ates_x'), ATES_TIMEZONE: timeZone() })
  .superRefine(requiredInProduction('ATES_JWT_PUBLIC_KEY', 'ATES_INTERNAL_SECRET'));

describe('the shared env of a service', () => {
  it('defaults to a local database, NATS and UTC', () => {
    const env = parseEnv('x', schema, {});
    expect(env.DB).toBe('postgres://postgres@127.0.0.1:5432/ates_x');
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(env.ATES_TIMEZONE).toBe('UTC');
    expect(env.ATES_MAX_BODY_BYTES).toBe(1_000_000);
  });

  it('names every key production requires, and an unknown time zone', () => {
    const parse = () => parseEnv('x', schema, { NODE_ENV: 'production', ATES_TIMEZONE: 'Mars/Olympus' });
    expect(parse).toThrow(EnvError);
    expect(parse).toThrow(/ATES_JWT_PUBLIC_KEY: required in production[\s\S]*ATES_INTERNAL_SECRET/);
    expect(parse).toThrow(/ATES_TIMEZONE: must be an IANA time zone/);
  });

  it('starts in production once the keys are set', () => {
    const env = parseEnv('x', schema, {
      NODE_ENV: 'production',
      ATES_JWT_PUBLIC_KEY: 'k',
      ATES_INTERNAL_SECRET: 's',
    });
    expect(env.NODE_ENV).toBe('production');
  });
});
