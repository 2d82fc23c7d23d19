import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { epochMs } from '@ates/service-kit';
import { DOMAINS, streamName } from '../subjects.ts';
import { ensureStreams } from './streams.ts';

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
 * False if there is no such consumer (its service makes it at start, from the stream's start).
 */
export async function resetConsumerTo(
  nats: NatsConnection,
  options: { stream: string; name: string; startSeq: number },
): Promise<boolean> {
  const jsm = await jetstreamManager(nats);
  let info;
  try {
    info = await jsm.consumers.info(options.stream, options.name);
  } catch (error) {
    if (notFound(error)) return false;
    throw error;
  }
  await jsm.consumers.delete(options.stream, options.name);
  const { opt_start_seq: _seq, opt_start_time: _time, ...config } = info.config;
  await jsm.consumers.add(
    options.stream,
    options.startSeq <= 1
      ? { ...config, deliver_policy: DeliverPolicy.All }
      : { ...config, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.startSeq },
  );
  return true;
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
  await forEachMessage(nats, stream, 1, lastSeq, async (m) => {
    const line = JSON.stringify({
      seq: m.seq,
      subject: m.subject,
      time: m.time,
      headers: m.allHeaders,
      data: Buffer.from(m.data).toString('base64'),
    });
    if (!gzip.write(`${line}\n`)) await once(gzip, 'drain');
    count++;
  });
  gzip.end();
  await done;
  return count;
}

/** A message as a stream holds it. */
export interface StoredMessage {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  data: Uint8Array;
}

/**
 * The messages of a stream from `fromSeq` through its last one as of the call, in order (an
 * ordered consumer: no durable state on the server). For a restore's tail, which the stream's
 * age limit bounds.
 */
export async function readStreamTail(
  nats: NatsConnection,
  stream: string,
  fromSeq: number,
): Promise<StoredMessage[]> {
  const { state } = await (await jetstreamManager(nats)).streams.info(stream);
  const out: StoredMessage[] = [];
  await forEachMessage(nats, stream, Math.max(fromSeq, state.first_seq), state.last_seq, (m) => {
    out.push({ seq: m.seq, subject: m.subject, headers: m.headers, data: m.data });
  });
  return out;
}

/** Waiting this long for the next message of a range that the stream holds means it is stuck. */
const IDLE_DEADLINE_MS = 15_000;

/**
 * Visits a stream's messages `fromSeq`..`toSeq` in order with an ordered consumer (no durable
 * state on the server), pulling in bounded batches: a fetch that brings nothing for
 * IDLE_DEADLINE_MS fails the read instead of waiting forever.
 */
async function forEachMessage(
  nats: NatsConnection,
  stream: string,
  fromSeq: number,
  toSeq: number,
  visit: (m: StoredMessage & { time: string; allHeaders: Record<string, string[]> }) => void | Promise<void>,
): Promise<void> {
  if (toSeq < fromSeq || toSeq === 0) return;
  const consumer = await jetstream(nats).consumers.get(
    stream,
    fromSeq > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq } : {},
  );
  try {
    let last = fromSeq - 1;
    let progressAt = epochMs();
    while (last < toSeq) {
      const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
      for await (const m of batch) {
        if (m.seq > toSeq) {
          last = toSeq;
          break;
        }
        const headers: Record<string, string> = {};
        const allHeaders: Record<string, string[]> = {};
        if (m.headers)
          for (const [k, v] of m.headers) {
            allHeaders[k] = v;
            if (v[0] !== undefined) headers[k] = v[0];
          }
        await visit({
          seq: m.seq,
          subject: m.subject,
          headers,
          allHeaders,
          data: m.data,
          time: m.time.toISOString(),
        });
        last = m.seq;
        progressAt = epochMs();
        if (last >= toSeq) break;
      }
      if (last < toSeq && epochMs() - progressAt > IDLE_DEADLINE_MS)
        throw new Error(
          `${stream}: no message after ${last} for ${IDLE_DEADLINE_MS / 1000} s (reading through ${toSeq})`,
        );
    }
  } finally {
    // Its inactivity limit is 5 minutes: gone at once, it is not counted as a lagging consumer.
    await consumer.delete().catch(() => false);
  }
}

/**
 * Publishes a copy made by copyStream into its (empty) stream again, in order, with its headers
 * (the event id as `Nats-Msg-Id` among them); the stream numbers them anew. Returns how many.
 */
export async function publishStreamCopy(nats: NatsConnection, stream: string, file: string): Promise<number> {
  const jsm = await jetstreamManager(nats);
  const { state } = await jsm.streams.info(stream);
  if (state.messages > 0)
    throw new Error(`${stream} holds ${state.messages} messages: a copy goes only into an empty stream`);
  const js = jetstream(nats);
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  let count = 0;
  for await (const line of lines) {
    if (line === '') continue;
    const m = JSON.parse(line) as { subject: string; headers: Record<string, string[]>; data: string };
    const h = natsHeaders();
    for (const [k, values] of Object.entries(m.headers)) for (const v of values) h.append(k, v);
    await js.publish(m.subject, Buffer.from(m.data, 'base64'), { headers: h });
    count++;
  }
  return count;
}

/** The domain streams and the job queue, made if missing (before a copy is published into them). */
export async function ensureStreamsOver(nats: NatsConnection, namespace: string | undefined) {
  return ensureStreams(await jetstreamManager(nats), namespace);
}

/** The streams of these that exist and hold messages (a copy is published only into an empty one). */
export async function nonEmptyStreams(nats: NatsConnection, names: readonly string[]): Promise<string[]> {
  const jsm = await jetstreamManager(nats);
  const out: string[] = [];
  for (const name of names) {
    try {
      const { state } = await jsm.streams.info(name);
      if (state.messages > 0) out.push(`${name} (${state.messages} messages)`);
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  }
  return out;
}
