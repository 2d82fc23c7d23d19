import { DeliverPolicy, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import type { Sql } from 'postgres';

export interface ResetConsumerOptions {
  stream: string;
  name: string;
  /** The consumer's database: its inbox rows are deleted so that every event is applied again. */
  sql?: Sql;
}

/**
 * Rebuild from the start of the stream: deletes the durable consumer and recreates it with the
 * same config and `deliver_policy: all`. With `sql`, the consumer's inbox is cleared first (the
 * service should have cleared the state it rebuilds); without it, already applied events are
 * skipped by the inbox and only the rest is applied.
 */
export async function resetConsumer(
  jsm: JetStreamManager,
  options: ResetConsumerOptions,
): Promise<ConsumerInfo> {
  const info = await jsm.consumers.info(options.stream, options.name);
  if (options.sql) await options.sql`delete from inbox where consumer = ${options.name}`;
  await jsm.consumers.delete(options.stream, options.name);
  const { opt_start_seq: _seq, opt_start_time: _time, ...config } = info.config;
  return jsm.consumers.add(options.stream, { ...config, deliver_policy: DeliverPolicy.All });
}
