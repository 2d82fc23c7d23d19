import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  ReplayPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export interface DurableSpec {
  stream: string;
  name: string;
  filterSubject: string;
  ackWaitMs: number;
  maxAckPending: number;
}

/**
 * The durable pull consumer's config. `max_deliver` stays unlimited on the server: the consumer
 * itself dead-letters after its own limit, because a message the server stops delivering
 * silently would be neither applied nor dead-lettered.
 */
export function durableConfig(spec: DurableSpec): Partial<ConsumerConfig> {
  return {
    durable_name: spec.name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(spec.ackWaitMs),
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    filter_subject: spec.filterSubject,
    max_deliver: -1,
    max_ack_pending: spec.maxAckPending,
  };
}

async function consumerInfo(
  jsm: JetStreamManager,
  stream: string,
  name: string,
): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)
      return undefined;
    throw error;
  }
}

/** Creates the durable consumer, or updates what may change in place; checks what the server kept. */
export async function ensureDurable(jsm: JetStreamManager, spec: DurableSpec): Promise<ConsumerInfo> {
  const want = durableConfig(spec);
  const current = await consumerInfo(jsm, spec.stream, spec.name);
  if (current && current.config.filter_subject !== spec.filterSubject) {
    throw new Error(
      `Consumer ${spec.name} on ${spec.stream} filters ${current.config.filter_subject}, not ${spec.filterSubject}: ` +
        `reset it (pnpm events consumer reset ${spec.name} --stream ${spec.stream}) or pick a new name`,
    );
  }
  let info: ConsumerInfo;
  if (!current) info = await jsm.consumers.add(spec.stream, want);
  else if (
    current.config.ack_wait !== want.ack_wait ||
    current.config.max_ack_pending !== want.max_ack_pending
  ) {
    info = await jsm.consumers.update(spec.stream, spec.name, {
      ack_wait: want.ack_wait,
      max_ack_pending: want.max_ack_pending,
    });
  } else info = current;
  for (const key of ['ack_policy', 'ack_wait', 'filter_subject', 'max_ack_pending'] as const) {
    if (info.config[key] !== want[key]) {
      throw new Error(
        `Consumer ${spec.name}: server kept ${key}=${String(info.config[key])}, wanted ${String(want[key])}`,
      );
    }
  }
  return info;
}
