import type { JsMsg } from '@nats-io/jetstream';
import { getRegistry, standardUpcasters, type AnyEventEnvelope } from '@ates/events';
import { createBatchProcessor } from '../../packages/events/src/consumer/process-batch.ts';
import type * as tables from '../../subgraphs/accounting/src/db/tables.ts';
import { tasksConsumerSettings } from '../../subgraphs/accounting/src/events/task-reactions.ts';
import type { AccountingDeps } from '../../subgraphs/accounting/src/use-cases/deps.ts';

/** Accounting's task-events consumer as the service configures it, fed by the bench instead of NATS. */
export function taskEventsProcessor(deps: AccountingDeps, consumer: string, lanes: number) {
  const settings = tasksConsumerSettings(deps, lanes);
  const processor = createBatchProcessor<typeof tables>({
    consumer,
    stream: 'tasks',
    db: deps.db,
    logger: deps.logger,
    decide: { registry: getRegistry(), handlers: settings.handlers, upcasters: standardUpcasters },
    batchHandler: settings.batchHandler,
    maxDeliver: 5,
    backoffMs: [1000],
    unknownVersionDelayMs: 60_000,
    unknownVersionMaxDeliver: 5,
  });
  return { settings, processor };
}

export interface FakeMsgStats {
  acked: number;
  other: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The parts of a JetStream message the batch processor reads (no network): the body as the
 * bytes a message carries, decoded on `string()` as nats.js does. Without `stats` a nak or term
 * throws: the scripts that leave it out feed only events the consumer must take.
 */
export function fakeMessages(events: AnyEventEnvelope[], firstSeq: number, stats?: FakeMsgStats): JsMsg[] {
  const refused = (what: string) => () => {
    if (!stats) throw new Error(`the consumer ${what} a bench event`);
    stats.other += 1;
  };
  return events.map(
    (event, i) =>
      ({
        subject: `tasks.${event.type}`,
        seq: firstSeq + i,
        info: { deliveryCount: 1 },
        headers: undefined,
        data: encoder.encode(JSON.stringify(event)),
        string(this: { data: Uint8Array }) {
          return decoder.decode(this.data);
        },
        ack: () => void (stats && (stats.acked += 1)),
        nak: refused('nakked'),
        term: refused('terminated'),
      }) as unknown as JsMsg,
  );
}
