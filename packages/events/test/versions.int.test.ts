import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { makeEvent, startConsumer, type EventEnvelope } from '../src/index.ts';
import { publishViaOutbox } from './support/consumers.ts';
import { harnessPerFile, effects, logger } from './support/harness.ts';

const h = harnessPerFile('versions');

const base = () => ({
  taskId: randomUUID(),
  description: null,
  createdBy: randomUUID(),
  createdAt: new Date().toISOString(),
});

describe('schema evolution', () => {
  it('consumes task.created v1 and v2 side by side: v1 is upcast, splitting "[POPUG-42] Title"', async () => {
    const v1 = makeEvent({
      type: 'task.created',
      version: 1,
      producer: 'tasks-legacy',
      data: { ...base(), title: '[POPUG-42] Feed the parrots' },
    });
    const v1Plain = makeEvent({
      type: 'task.created',
      version: 1,
      producer: 'tasks-legacy',
      data: { ...base(), title: 'Sweep [the] cage' },
    });
    const v2 = makeEvent({
      type: 'task.created',
      version: 2,
      producer: 'tasks',
      data: { ...base(), jiraId: 'POPUG-7', title: 'Count seeds' },
    });
    const seen: EventEnvelope<'task.created', 2>[] = [];
    const consumer = await startConsumer({
      nats: h.nats,
      namespace: h.namespace,
      name: 'task-reader',
      domain: 'tasks',
      db: h.database.db,
      logger,
      handlers: {
        'task.created': {
          2: async (event, { tx }) => {
            seen.push(event);
            const note = `${event.data.jiraId ?? '-'}|${event.data.title}`;
            await tx.insert(effects).values({
              consumer: 'task-reader',
              eventId: event.id,
              type: event.type,
              version: event.version,
              note,
            });
          },
        },
      },
    });
    await publishViaOutbox(h, [v1, v2, v1Plain]);
    await consumer.caughtUp();
    await consumer.stop();
    const notes = await h.database.db
      .select({ note: effects.note })
      .from(effects)
      .where(eq(effects.consumer, 'task-reader'));
    expect(notes.map((n) => n.note)).toEqual([
      'POPUG-42|Feed the parrots',
      'POPUG-7|Count seeds',
      '-|Sweep the cage',
    ]);
    expect(seen.map((e) => [e.id, e.version])).toEqual([
      [v1.id, 2],
      [v2.id, 2],
      [v1Plain.id, 2],
    ]);
  });
});
