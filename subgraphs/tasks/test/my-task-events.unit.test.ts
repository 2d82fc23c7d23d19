import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeEvent, type TaskAssignment } from '@ates/events';
import { myTaskEvents } from '../src/domain/my-task-events.ts';

const at = '2026-03-01T12:00:00.000Z';
const [ann, bob, cid] = [randomUUID(), randomUUID(), randomUUID()];
const [t1, t2, t3] = [randomUUID(), randomUUID(), randomUUID()];
const item = (taskId: string, assigneeId: string, previousAssigneeId: string | null): TaskAssignment => ({
  taskId,
  assigneeId,
  previousAssigneeId,
  assignmentNo: 2,
  assignedAt: at,
  title: 'Feed the parrots',
  jiraId: null,
});

describe("what a task event means to one popug's list", () => {
  it('reads every assignment of a shuffle’s chunk (v2): each popug only their own, in order', () => {
    const chunk = makeEvent({
      type: 'task.assigned',
      version: 2 as const,
      producer: 'tasks',
      data: { assignments: [item(t1, ann, bob), item(t2, bob, bob), item(t3, bob, ann)] },
    });
    expect(myTaskEvents(chunk, ann)).toEqual([
      { kind: 'ASSIGNED', taskId: t1 },
      { kind: 'UNASSIGNED', taskId: t3 },
    ]);
    // A task shuffled onto its assignee again is an assignment, not also a removal.
    expect(myTaskEvents(chunk, bob)).toEqual([
      { kind: 'UNASSIGNED', taskId: t1 },
      { kind: 'ASSIGNED', taskId: t2 },
      { kind: 'ASSIGNED', taskId: t3 },
    ]);
    expect(myTaskEvents(chunk, cid)).toEqual([]);
  });

  it('reads task.assigned v1 (one assignment) and task.completed alike', () => {
    const v1 = makeEvent({
      type: 'task.assigned',
      version: 1 as const,
      producer: 'tasks',
      aggregateId: t1,
      data: item(t1, ann, bob),
    });
    expect(myTaskEvents(v1, ann)).toEqual([{ kind: 'ASSIGNED', taskId: t1 }]);
    expect(myTaskEvents(v1, bob)).toEqual([{ kind: 'UNASSIGNED', taskId: t1 }]);
    const done = makeEvent({
      type: 'task.completed',
      version: 1,
      producer: 'tasks',
      aggregateId: t1,
      data: { taskId: t1, assigneeId: ann, completedAt: at, title: 'Feed the parrots', jiraId: null },
    });
    expect(myTaskEvents(done, ann)).toEqual([{ kind: 'COMPLETED', taskId: t1 }]);
    expect(myTaskEvents(done, bob)).toEqual([]);
  });
});
