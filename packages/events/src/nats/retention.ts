import { nanos } from '@nats-io/transport-node';
import { DOMAINS, isDomain, type Domain } from '../subjects.ts';

/** How long and how much a stream keeps: JetStream drops the oldest messages past either. */
export interface Retention {
  maxAgeMs: number;
  /** -1: no size limit. */
  maxBytes: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Defaults: 30 days of events, well beyond a daily backup (a restore needs every event since
 * its backup) and a month of analytics rebuild; jobs are taken once, so a week of unclaimed
 * ones is plenty. No size limit by default: JetStream reserves a stream's `max_bytes` in its
 * store when the stream is made (and refuses streams past the server's store), so a size is a
 * deployment's choice (`ATES_STREAM_RETENTION`), not a default every test namespace reserves.
 */
export const DEFAULT_RETENTION: Record<Domain, Retention> = {
  users: { maxAgeMs: 30 * DAY_MS, maxBytes: -1 },
  tasks: { maxAgeMs: 30 * DAY_MS, maxBytes: -1 },
  accounting: { maxAgeMs: 30 * DAY_MS, maxBytes: -1 },
  jobs: { maxAgeMs: 7 * DAY_MS, maxBytes: -1 },
};

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
const UNITS_BYTES: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

function parseAmount(text: string, units: Record<string, number>, what: string): number {
  const match = /^(\d+(?:\.\d+)?)([A-Za-z]+)$/.exec(text.trim());
  const unit = match ? units[match[2]!] : undefined;
  if (!match || unit === undefined)
    throw new Error(`${what} "${text}": a number and one of ${Object.keys(units).join(', ')}`);
  const value = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${what} "${text}" is out of range`);
  return value;
}

/**
 * `tasks=45d:20GiB,jobs=3d` (`ATES_STREAM_RETENTION`, `--retention`): the streams named get
 * this age and size (none if left out); the others their defaults.
 */
export function parseRetention(text: string): Partial<Record<Domain, Retention>> {
  const out: Partial<Record<Domain, Retention>> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [domain = '', limits = ''] = part.split('=');
    if (!isDomain(domain))
      throw new Error(`retention: unknown stream "${domain}" (one of ${DOMAINS.join(', ')})`);
    const [age = '', bytes = ''] = limits.split(':');
    out[domain] = {
      maxAgeMs: parseAmount(age, UNITS_MS, `retention of ${domain}: age`),
      maxBytes: bytes === '' ? -1 : parseAmount(bytes, UNITS_BYTES, `retention of ${domain}: size`),
    };
  }
  return out;
}

export const retentionOf = (domain: Domain, overrides: Partial<Record<Domain, Retention>> = {}): Retention =>
  overrides[domain] ?? DEFAULT_RETENTION[domain];

/** The stream config fields of a retention. */
export const retentionConfig = (r: Retention) => ({ max_age: nanos(r.maxAgeMs), max_bytes: r.maxBytes });
