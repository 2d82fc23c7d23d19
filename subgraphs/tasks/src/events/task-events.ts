import { makeEvent } from '@ates/events';
import type { TaskRow } from '../db/schema.ts';
import { PRODUCER } from '../use-cases/deps.ts';

/** The events the task tracker publishes, built from its rows: one place for their shapes. */

/** What a task says, as its created and updated events (v2) carry it. */
const content = (task: TaskRow) => ({
  taskId: task.id,
  jiraId: task.jiraId,
  title: task.title,
  description: task.description,
});

export const taskCreated = (task: TaskRow, correlationId?: string) =>
  makeEvent({
    type: 'task.created',
    version: 2,
    producer: PRODUCER,
    aggregateId: task.id,
    occurredAt: task.createdAt,
    correlationId,
    data: {
      ...content(task),
      createdBy: task.createdBy,
      createdAt: task.createdAt.toISOString(),
    },
  });

export const taskUpdated = (task: TaskRow, at: Date, correlationId?: string) =>
  makeEvent({
    type: 'task.updated',
    version: 2,
    producer: PRODUCER,
    aggregateId: task.id,
    occurredAt: at,
    correlationId,
    data: {
      ...content(task),
      status: task.status,
    },
  });

export interface AssignmentFacts {
  taskId: string;
  assigneeId: string;
  previousAssigneeId: string | null;
  assignmentNo: number;
  title: string;
  jiraId: string | null;
}

/** `at` may come as its ISO string already (a shuffle builds thousands with one time). */
export const taskAssigned = (a: AssignmentFacts, at: Date | string, correlationId?: string) => {
  const iso = typeof at === 'string' ? at : at.toISOString();
  return makeEvent({
    type: 'task.assigned',
    version: 1,
    producer: PRODUCER,
    aggregateId: a.taskId,
    occurredAt: iso,
    correlationId,
    data: { ...a, assignedAt: iso },
  });
};

/** A completed task: `completedAt` is set. */
export function taskCompleted(task: TaskRow, correlationId?: string) {
  if (!task.completedAt) throw new Error(`task ${task.id} is not completed`);
  return makeEvent({
    type: 'task.completed',
    version: 1,
    producer: PRODUCER,
    aggregateId: task.id,
    occurredAt: task.completedAt,
    correlationId,
    data: {
      taskId: task.id,
      assigneeId: task.assigneeId,
      completedAt: task.completedAt.toISOString(),
      title: task.title,
      jiraId: task.jiraId,
    },
  });
}
