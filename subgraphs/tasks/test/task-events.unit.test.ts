import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getRegistry } from '@ates/events';
import { ASSIGNMENTS_PER_EVENT, tasksAssigned } from '../src/events/task-events.ts';

const assignments = (n: number, title: string) =>
  Array.from({ length: n }, () => ({
    taskId: randomUUID(),
    assigneeId: randomUUID(),
    previousAssigneeId: randomUUID(),
    assignmentNo: 2,
    title,
    jiraId: 'POPUG-42',
  }));

describe("a shuffle's task.assigned events", () => {
  it('carry every assignment in order, up to the schema’s maxItems each, each a valid v2', () => {
    const list = assignments(2 * ASSIGNMENTS_PER_EVENT + 1, 'Feed the parrots');
    const events = tasksAssigned(list, new Date('2026-03-01T12:00:00Z'));
    expect(events.map((e) => e.data.assignments.length)).toEqual([
      ASSIGNMENTS_PER_EVENT,
      ASSIGNMENTS_PER_EVENT,
      1,
    ]);
    expect(events.flatMap((e) => e.data.assignments.map((a) => a.taskId))).toEqual(list.map((a) => a.taskId));
    for (const event of events) expect(() => getRegistry().assertValid(event)).not.toThrow();
    // An event about one task is that task's (its consumers keep a task's events in order).
    expect(events.map((e) => e.aggregateId)).toEqual([undefined, undefined, list.at(-1)!.taskId]);
  });

  it('stay far below NATS’ 1 MiB max_payload whatever the titles hold', () => {
    // 200 characters that JSON writes as 6 bytes each: the worst case of a title.
    const list = assignments(3000, '\u0001'.repeat(200));
    const events = tasksAssigned(list, new Date('2026-03-01T12:00:00Z'));
    expect(events.reduce((n, e) => n + e.data.assignments.length, 0)).toBe(list.length);
    for (const event of events) expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(600 * 1024);
    expect(events.length).toBeGreaterThan(3);
  });
});
