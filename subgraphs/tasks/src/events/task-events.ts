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
const TITLE_BYTES_PER_CHAR = 6;
const assignmentBytes = (a: AssignmentFacts) =>
  ASSIGNMENT_FIXED_BYTES + TITLE_BYTES_PER_CHAR * a.title.length + (a.jiraId?.length ?? 0);

/**
 * How many assignments each event carries, given each one's JSON bytes (counted pessimistically):
 * runs of ASSIGNMENTS_PER_EVENT; a run over ASSIGNMENT_BYTES_PER_EVENT is cut where its running
 * bytes cross a multiple of (the limit − its largest assignment), so no part exceeds the limit.
 * Window functions compute the same cut, which lets the shuffle build its events in SQL.
 */
export function chunkSizes(bytes: readonly number[]): number[] {
  const sizes: number[] = [];
  for (let start = 0; start < bytes.length; start += ASSIGNMENTS_PER_EVENT) {
    const run = bytes.slice(start, start + ASSIGNMENTS_PER_EVENT);
    const total = run.reduce((a, b) => a + b, 0);
    if (total <= ASSIGNMENT_BYTES_PER_EVENT) {
      sizes.push(run.length);
      continue;
    }
    const part = ASSIGNMENT_BYTES_PER_EVENT - Math.max(...run);
    let before = 0;
    let current = -1;
    for (const b of run) {
      const index = Math.floor(before / part);
      if (index !== current) sizes.push(0);
      sizes[sizes.length - 1] = (sizes.at(-1) ?? 0) + 1;
      current = index;
      before += b;
    }
  }
  return sizes;
}

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
 * Assignments made together, in order, as few `task.assigned` v2 as `chunkSizes` cuts them into
 * (the shuffle builds the same events in SQL: `shuffleOpenTasks`).
 */
export function tasksAssigned(list: readonly AssignmentFacts[], at: Date | string, correlationId?: string) {
  const iso = isoOf(at);
  const events: ReturnType<typeof assignmentEvent>[] = [];
  let start = 0;
  for (const size of chunkSizes(list.map(assignmentBytes))) {
    events.push(assignmentEvent(list.slice(start, start + size), iso, correlationId));
    start += size;
  }
  return events;
}

/** `chunkSizes`' constants, for the SQL that cuts a shuffle's events the same way. */
export const ASSIGNMENT_CHUNKING = {
  perEvent: ASSIGNMENTS_PER_EVENT,
  bytesPerEvent: ASSIGNMENT_BYTES_PER_EVENT,
  fixedBytes: ASSIGNMENT_FIXED_BYTES,
  bytesPerTitleChar: TITLE_BYTES_PER_CHAR,
};

/**
 * The envelope of a shuffle's `task.assigned` v2 without its id, aggregate and assignments, which
 * SQL adds per chunk (`shuffleOpenTasks`): the other fields as every other event gets them.
 */
export function tasksAssignedEnvelope(at: Date | string, correlationId?: string) {
  const { id: _id, data: _data, ...envelope } = assignmentEvent([], isoOf(at), correlationId);
  return envelope;
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
