import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { assignmentsOf, type OwnEvent } from '@ates/events';
import {
  applyAssignments,
  applyCompletion,
  applyUpdate,
  eventsInOutbox,
  insertCreatedTask,
  recordPublished,
} from '../db/roll-forward-repository.ts';
import type * as tables from '../db/tables.ts';

export type { OwnEvent };

/**
 * Brings a tasks database restored from a backup forward to what the tracker published after
 * it, from its own stream: every change of a task travels in full in its events (created with
 * title, description, author and time; each assignment with its number, alone or in a
 * shuffle's chunk; the completion; edits), so the tasks made, shuffled and completed since the
 * backup come back as they were, and no consumer sees an event twice (each is recorded in the
 * outbox as published). Events the outbox already holds are skipped, so a second run changes
 * nothing.
 */
export async function rollForwardTasks(
  db: PostgresJsDatabase<typeof tables>,
  events: readonly OwnEvent[],
): Promise<{ applied: number; alreadyHeld: number }> {
  return db.transaction(async (tx) => {
    const held = await eventsInOutbox(
      tx,
      events.map((e) => e.envelope.id),
    );
    for (const { envelope: e } of events) {
      if (held.has(e.id)) continue;
      if (e.type === 'task.created') {
        const d = e.data;
        await insertCreatedTask(tx, {
          id: d.taskId,
          jiraId: 'jiraId' in d ? d.jiraId : null,
          title: d.title,
          description: d.description ?? '',
          createdBy: d.createdBy,
          createdAt: d.createdAt,
        });
      } else if (e.type === 'task.assigned') {
        // v1 carries one assignment, v2 a shuffle's chunk: one statement either way.
        await applyAssignments(
          tx,
          assignmentsOf(e).map((a) => ({
            id: a.taskId,
            assigneeId: a.assigneeId,
            assignmentNo: a.assignmentNo,
          })),
        );
      } else if (e.type === 'task.completed') {
        await applyCompletion(tx, {
          id: e.data.taskId,
          assigneeId: e.data.assigneeId,
          completedAt: e.data.completedAt,
        });
      } else if (e.type === 'task.updated') {
        const d = e.data;
        await applyUpdate(tx, {
          id: d.taskId,
          jiraId: d.jiraId,
          title: d.title,
          description: d.description ?? '',
          status: d.status,
        });
      } else throw new Error(`no roll-forward for ${e.type} v${e.version}`);
    }
    await recordPublished(tx, events);

    return { applied: events.length - held.size, alreadyHeld: held.size };
  });
}
