import { getRegistry, standardUpcasters } from '@ates/events';
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
