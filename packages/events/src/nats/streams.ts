import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { DOMAINS, streamName, withNamespace } from '../subjects.ts';
import { retentionConfig, retentionOf, type Retention } from './retention.ts';
import type { Domain } from '../subjects.ts';

export interface StreamOptions {
  /** The window in which a repeated `Nats-Msg-Id` is dropped by the server. */
  duplicateWindowMs?: number;
  /**
   * Copies of each stream on a JetStream cluster (`ATES_NATS_STREAM_REPLICAS`): 3 survives the
   * loss of one node; a single server refuses more than 1. Durable consumers follow their
   * stream. Unset: new streams get the server's default (1) and existing ones keep theirs, so
   * tools that only need the streams to exist never scale them down.
   */
  replicas?: number;
  /**
   * Age and size limits per stream (docs/operations.md#stream-horizon). A new stream, or one
   * without an age limit, gets these or the defaults; an existing stream's limits change only
   * when this is given, so services started with other settings do not undo an operator's choice.
   */
  retention?: Partial<Record<Domain, Retention>>;
}

/** The part of a stream's config we own and compare with what the server reports. */
type OwnedConfig = Pick<
  StreamConfig,
  'name' | 'subjects' | 'retention' | 'storage' | 'discard' | 'duplicate_window' | 'max_age' | 'max_bytes'
> &
  Partial<Pick<StreamConfig, 'num_replicas'>>;

/**
 * One stream per domain with `limits` retention (kept for replays, never workqueue/interest),
 * and one `workqueue` stream for jobs (each job taken once, e.g. `jobs.email.requested`).
 */
export function desiredStreams(namespace: string | undefined, options: StreamOptions = {}): OwnedConfig[] {
  const duplicateWindow = nanos(options.duplicateWindowMs ?? 2 * 60_000);
  const base = {
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: duplicateWindow,
    ...(options.replicas === undefined ? {} : { num_replicas: options.replicas }),
  };
  return DOMAINS.map((domain) => ({
    ...base,
    name: streamName(namespace, domain),
    subjects: [withNamespace(namespace, `${domain}.>`)],
    retention: domain === 'jobs' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    ...retentionConfig(retentionOf(domain, options.retention)),
  }));
}

function differences(want: OwnedConfig, have: StreamConfig): string[] {
  const out: string[] = [];
  for (const key of Object.keys(want) as (keyof OwnedConfig)[]) {
    if (JSON.stringify(want[key]) !== JSON.stringify(have[key])) {
      out.push(`${key}: want ${JSON.stringify(want[key])}, server has ${JSON.stringify(have[key])}`);
    }
  }
  return out;
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
      return undefined;
    throw error;
  }
}

/**
 * Deletes a namespace's streams (the inverse of ensureStreams, for tests and benchmarks that
 * made their own): every one is tried, one already gone is fine, and the other failures are
 * thrown together at the end.
 */
export async function removeStreams(jsm: JetStreamManager, namespace: string): Promise<void> {
  const failures: unknown[] = [];
  for (const domain of DOMAINS) {
    try {
      await jsm.streams.delete(streamName(namespace, domain));
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound))
        failures.push(error);
    }
  }
  if (failures.length > 0)
    throw new AggregateError(failures, `could not remove every stream of ${namespace}`);
}

/**
 * Creates or updates the streams so their config matches; idempotent and safe to run at every
 * start. The config the server returns is compared again, because nats-server 2.9 silently
 * drops settings it does not know.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  namespace?: string,
  options: StreamOptions = {},
): Promise<StreamInfo[]> {
  const result: StreamInfo[] = [];
  for (const desired of desiredStreams(namespace, options)) {
    const current = await streamInfo(jsm, desired.name);
    const bounded = current && current.config.max_age > 0;
    const want =
      bounded && !options.retention
        ? { ...desired, max_age: current.config.max_age, max_bytes: current.config.max_bytes }
        : desired;
    // A single server refuses to create a replicated stream, but (2.9) accepts raising an
    // existing stream's count and keeps one copy: without cluster info there is no cluster.
    if (current && !current.cluster && (want.num_replicas ?? 1) > 1)
      throw new Error(
        `Stream ${want.name}: ${want.num_replicas} replicas need a JetStream cluster, and this server is not clustered (ATES_NATS_STREAM_REPLICAS)`,
      );
    let info: StreamInfo;
    if (!current) info = await jsm.streams.add(want);
    else if (differences(want, current.config).length > 0) info = await jsm.streams.update(want.name, want);
    else info = current;
    const left = differences(want, info.config);
    if (left.length > 0)
      throw new Error(`Stream ${want.name} does not have the wanted config: ${left.join('; ')}`);
    result.push(info);
  }
  return result;
}
