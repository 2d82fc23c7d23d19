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

/** Assignments one `task.assigned` v2 carries at most (its schema's maxItems). */
export const ASSIGNMENTS_PER_EVENT = 1000;
/**
 * JSON bytes of assignments one event carries at most, counted pessimistically (below): half of
 * NATS' default max_payload (1 MiB), which the relay cannot split.
 */
export const ASSIGNMENT_BYTES_PER_EVENT = 512 * 1024;
/** An assignment's JSON without its title and Jira id: keys, three uuids, a number, a time. */
const ASSIGNMENT_FIXED_BYTES = 256;
/** At most 6 bytes of JSON per UTF-16 unit of a title (`\u001f`); Jira ids are ASCII. */
const assignmentBytes = (a: AssignmentFacts) =>
  ASSIGNMENT_FIXED_BYTES + 6 * a.title.length + (a.jiraId?.length ?? 0);

const assignmentEvent = (list: readonly AssignmentFacts[], iso: string, correlationId: string | undefined) =>
  makeEvent({
    type: 'task.assigned',
    version: 2,
    producer: PRODUCER,
    // A chunk is about many tasks: no one aggregate (consumers take it in stream order).
    ...(list.length === 1 ? { aggregateId: list[0]!.taskId } : {}),
    occurredAt: iso,
    correlationId,
    data: { assignments: list.map((a) => ({ ...a, assignedAt: iso })) },
  });

const isoOf = (at: Date | string) => (typeof at === 'string' ? at : at.toISOString());

/** One task's assignment (a new task's first): `task.assigned` v2 with one item. */
export const taskAssigned = (a: AssignmentFacts, at: Date | string, correlationId?: string) =>
  assignmentEvent([a], isoOf(at), correlationId);

/**
 * Assignments made together (a shuffle's), in order, as few `task.assigned` v2 as their size
 * allows: up to ASSIGNMENTS_PER_EVENT each and ASSIGNMENT_BYTES_PER_EVENT of JSON.
 */
export function tasksAssigned(list: readonly AssignmentFacts[], at: Date | string, correlationId?: string) {
  const iso = isoOf(at);
  const events: ReturnType<typeof assignmentEvent>[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < list.length; i += 1) {
    const size = assignmentBytes(list[i]!);
    if (i > start && (i - start === ASSIGNMENTS_PER_EVENT || bytes + size > ASSIGNMENT_BYTES_PER_EVENT)) {
      events.push(assignmentEvent(list.slice(start, i), iso, correlationId));
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < list.length) events.push(assignmentEvent(list.slice(start), iso, correlationId));
  return events;
}

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
