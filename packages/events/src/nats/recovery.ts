import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DOMAINS, streamName } from '../subjects.ts';

/** Where a stream stood when a backup began: the events after `lastSeq` are the backup's tail. */
export interface StreamPosition {
  stream: string;
  firstSeq: number;
  lastSeq: number;
  lastTime: string | null;
  messages: number;
  bytes: number;
}

/** A durable consumer's acknowledged floor: every event up to it was applied and committed. */
export interface ConsumerPosition {
  stream: string;
  name: string;
  ackFloor: number;
}

const notFound = (error: unknown) =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound);

/**
 * Every domain stream's position and every durable consumer's ack floor. Read before the
 * databases are dumped: a consumer acks only after its commit, so a dump taken afterwards holds
 * at least everything up to its floor.
 */
export async function recordPositions(
  nats: NatsConnection,
  namespace: string | undefined,
): Promise<{ streams: StreamPosition[]; consumers: ConsumerPosition[] }> {
  const jsm = await jetstreamManager(nats);
  const streams: StreamPosition[] = [];
  const consumers: ConsumerPosition[] = [];
  for (const domain of DOMAINS) {
    const name = streamName(namespace, domain);
    const { state } = await jsm.streams.info(name);
    streams.push({
      stream: name,
      firstSeq: state.first_seq,
      lastSeq: state.last_seq,
      lastTime: state.messages > 0 ? state.last_ts : null,
      messages: state.messages,
      bytes: state.bytes,
    });
    for await (const c of jsm.consumers.list(name)) {
      if (c.config.durable_name)
        consumers.push({ stream: name, name: c.config.durable_name, ackFloor: c.ack_floor.stream_seq });
    }
  }
  return { streams, consumers };
}

/**
 * Why a restore to these positions cannot catch up, or null: a stream that has discarded events
 * after the backup's last one (its horizon passed the backup) lost part of the tail.
 */
export async function horizonProblems(nats: NatsConnection, positions: readonly StreamPosition[]) {
  const jsm = await jetstreamManager(nats);
  const problems: string[] = [];
  for (const p of positions) {
    let first: number;
    let firstTime: string;
    try {
      const { state } = await jsm.streams.info(p.stream);
      first = state.first_seq;
      firstTime = state.first_ts;
    } catch (error) {
      if (!notFound(error)) throw error;
      problems.push(`${p.stream} does not exist any more (restore the streams first)`);
      continue;
    }
    if (first > p.lastSeq + 1)
      problems.push(
        `${p.stream} now starts at event ${first} (${firstTime}), but the backup ends at ${p.lastSeq}: ` +
          `events ${p.lastSeq + 1}–${first - 1} are beyond the stream's horizon`,
      );
  }
  return problems;
}

/**
 * Recreates a durable consumer with its config, delivering from `startSeq` on: a service whose
 * database went back in time resumes where that database stands (its inbox skips what it has).
 */
export async function resetConsumerTo(
  nats: NatsConnection,
  options: { stream: string; name: string; startSeq: number },
): Promise<void> {
  const jsm = await jetstreamManager(nats);
  const info = await jsm.consumers.info(options.stream, options.name);
  await jsm.consumers.delete(options.stream, options.name);
  const { opt_start_seq: _seq, opt_start_time: _time, ...config } = info.config;
  await jsm.consumers.add(
    options.stream,
    options.startSeq <= 1
      ? { ...config, deliver_policy: DeliverPolicy.All }
      : { ...config, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.startSeq },
  );
}

/**
 * Copies a stream's messages (subject, headers, payload, sequence, time) up to `lastSeq` into
 * a gzipped JSON-lines file, with an ordered consumer; returns how many. A copy, not
 * JetStream's snapshot API: nats.js does not implement that API's chunked protocol, and a
 * copy can be published into any server or cluster (docs/operations.md).
 */
export async function copyStream(
  nats: NatsConnection,
  stream: string,
  lastSeq: number,
  file: string,
): Promise<number> {
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(file));
  let count = 0;
  if (lastSeq > 0) {
    const consumer = await jetstream(nats).consumers.get(stream);
    const messages = await consumer.consume({ max_messages: 1000 });
    for await (const m of messages) {
      if (m.seq > lastSeq) break;
      const headers: Record<string, string[]> = {};
      if (m.headers) for (const [k, v] of m.headers) headers[k] = v;
      const line = JSON.stringify({
        seq: m.seq,
        subject: m.subject,
        time: m.time.toISOString(),
        headers,
        data: Buffer.from(m.data).toString('base64'),
      });
      if (!gzip.write(`${line}\n`)) await once(gzip, 'drain');
      count++;
      if (m.seq >= lastSeq) break;
    }
    await messages.close();
  }
  gzip.end();
  await done;
  return count;
}
