import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createTestNamespace, testNatsUrl } from '@ates/testing';
import { connectNats, ensureStreams, streamName } from '../src/index.ts';

let nats: NatsConnection;
let jsm: JetStreamManager;
const namespace = createTestNamespace();

beforeAll(async () => {
  nats = await connectNats(testNatsUrl());
  jsm = await jetstreamManager(nats);
});
afterAll(async () => {
  for (const name of ['users', 'tasks', 'accounting', 'jobs']) {
    await jsm.streams.delete(streamName(namespace, name)).catch((error: unknown) => {
      console.warn(`cleanup of ${name} failed (the run teardown sweeps it): ${String(error)}`);
    });
  }
  await nats.close();
});

describe('streams', () => {
  it('creates one limits stream per domain and a workqueue stream for jobs, with file storage and a duplicate window', async () => {
    const infos = await ensureStreams(jsm, namespace);
    const summary = infos.map((i) => [
      i.config.name,
      i.config.subjects,
      i.config.retention,
      i.config.storage,
    ]);
    const ns = namespace.toUpperCase();
    expect(summary).toEqual([
      [`${ns}_USERS`, [`${namespace}.users.>`], 'limits', 'file'],
      [`${ns}_TASKS`, [`${namespace}.tasks.>`], 'limits', 'file'],
      [`${ns}_ACCOUNTING`, [`${namespace}.accounting.>`], 'limits', 'file'],
      [`${ns}_JOBS`, [`${namespace}.jobs.>`], 'workqueue', 'file'],
    ]);
    expect(infos[0]?.config.duplicate_window).toBe(120_000_000_000);
  });

  it('is idempotent and brings a changed setting back in line', async () => {
    await ensureStreams(jsm, namespace);
    await jsm.streams.update(streamName(namespace, 'users'), { duplicate_window: 5_000_000_000 });
    const infos = await ensureStreams(jsm, namespace);
    expect(infos[0]?.config.duplicate_window).toBe(120_000_000_000);
    const again = await ensureStreams(jsm, namespace, { duplicateWindowMs: 60_000 });
    expect(again.map((i) => i.config.duplicate_window)).toEqual([60e9, 60e9, 60e9, 60e9]);
  });

  it('sets the replica count when asked (ATES_NATS_STREAM_REPLICAS), and a single server refuses more than 1', async () => {
    const infos = await ensureStreams(jsm, namespace, { replicas: 1 });
    expect(infos.map((i) => i.config.num_replicas)).toEqual([1, 1, 1, 1]);
    // R3 needs a JetStream cluster: on one server the start fails loudly instead of running
    // unreplicated, whether the streams are new or already there.
    await expect(ensureStreams(jsm, namespace, { replicas: 3 })).rejects.toThrow(/need a JetStream cluster/);
    const fresh = createTestNamespace();
    await expect(ensureStreams(jsm, fresh, { replicas: 3 })).rejects.toThrow(/non-clustered/);
    // Left unset, the count is not touched (tools never scale a cluster's streams down).
    expect((await ensureStreams(jsm, namespace)).map((i) => i.config.num_replicas)).toEqual([1, 1, 1, 1]);
  });
});
