import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getRegistry } from '@ates/events';
import { createLogger, DomainError, ManualClock, seededRandom, type Role } from '@ates/service-kit';
import { createMigratedDatabase, type MigratedDatabase } from '@ates/testing';
import { rememberPopug } from '../src/db/popug-repository.ts';
import * as tables from '../src/db/tables.ts';
import { reshuffle } from '../src/domain/assignment.ts';
import { tasksAssigned } from '../src/events/task-events.ts';
import { migrationsFolder } from '../src/service.ts';
import { shuffleTasks } from '../src/use-cases/shuffle-tasks.ts';

const { outbox, tasks } = tables;
let database: MigratedDatabase<typeof tables>;
const clock = new ManualClock(new Date('2026-03-01T12:00:00.123Z'));
const manager = { userId: randomUUID(), role: 'MANAGER' as Role };
const company: { id: string; role: Role }[] = (
  ['WORKER', 'ADMIN', 'ACCOUNTANT', 'MANAGER', 'WORKER'] as Role[]
).map((role) => ({ id: randomUUID(), role }));
const workers = company
  .filter((p) => p.role === 'WORKER' || p.role === 'ACCOUNTANT')
  .map((p) => p.id)
  .sort();

const deps = (seed: number) => ({
  db: database.db,
  sql: database.sql,
  clock,
  random: seededRandom(seed),
  logger: createLogger({ service: 'test', level: 'silent' }),
  newId: randomUUID,
});

beforeAll(async () => {
  database = await createMigratedDatabase('tasks_shuffle', migrationsFolder, tables, { max: 2 });
});
afterAll(() => database?.drop());
beforeEach(async () => {
  await database.db.delete(tasks);
  await database.db.delete(outbox);
  await database.db.delete(tables.popugs);
});

/** `n` tasks, open but every seventh done; titles of every length up to the schema's 200 (the worst JSON). */
async function seedTasks(n: number) {
  const at = new Date('2026-03-01T10:00:00Z');
  const rows = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    jiraId: i % 3 === 0 ? `POPUG-${i}` : null,
    title: i % 2 === 0 ? `Feed the parrots ${i}` : '\u0001'.repeat(1 + ((i * 37) % 200)),
    description: '',
    status: i % 7 === 0 ? ('DONE' as const) : ('OPEN' as const),
    assigneeId: workers[i % workers.length]!,
    createdBy: manager.userId,
    createdAt: at,
    assignmentCount: 1 + (i % 4),
  }));
  for (let i = 0; i < rows.length; i += 500) await database.db.insert(tasks).values(rows.slice(i, i + 500));
  return rows;
}

async function hire() {
  for (const p of company)
    await rememberPopug(database.db, { ...p, login: p.id, name: p.id }, new Date('2026-03-01T09:00:00Z'));
}

describe('the shuffle in SQL', () => {
  it('moves each open task to the worker the pure rule picks for the same draws, and writes the same events', async () => {
    await hire();
    const rows = await seedTasks(2600);
    const open = rows.filter((r) => r.status === 'OPEN').sort((a, b) => (a.id < b.id ? -1 : 1));
    const expected = reshuffle(open, workers, seededRandom(11));

    const { reassigned } = await shuffleTasks(deps(11), manager, 'corr-1');

    expect(reassigned).toBe(open.length);
    const after = new Map(
      (await database.db.select().from(tasks).orderBy(asc(tasks.id))).map((t) => [t.id, t] as const),
    );
    for (const m of expected) {
      expect(after.get(m.taskId)?.assigneeId).toBe(m.assigneeId);
      expect(after.get(m.taskId)?.assignmentCount).toBe(m.assignmentNo);
    }
    for (const done of rows.filter((r) => r.status === 'DONE'))
      expect(after.get(done.id)).toMatchObject({
        assigneeId: done.assigneeId,
        assignmentCount: done.assignmentCount,
      });

    const facts = expected.map((m, i) => ({ ...m, title: open[i]!.title, jiraId: open[i]!.jiraId }));
    const want = tasksAssigned(facts, clock.now(), 'corr-1');
    // Long titles make Node's rule cut some runs of 1,000 by bytes: SQL must cut them alike.
    expect(want.length).toBeGreaterThan(Math.ceil(open.length / 1000));
    const written = await database.db.select().from(outbox).orderBy(asc(outbox.seq));
    expect(written.map((r) => r.payload)).toEqual(want.map((e, i) => ({ ...e, id: written[i]?.id })));
    for (const row of written) {
      const event = row.payload as { id: string; aggregateId?: string };
      expect(() => getRegistry().assertValid(row.payload as never)).not.toThrow();
      expect(Buffer.byteLength(JSON.stringify(row.payload))).toBeLessThan(600 * 1024);
      expect(row).toMatchObject({
        id: event.id,
        subject: 'tasks.task.assigned',
        type: 'task.assigned',
        version: 2,
        aggregateId: event.aggregateId ?? null,
      });
    }
  });

  it('gives a lone open task its own aggregate id, and moves nothing when none is open', async () => {
    await hire();
    const [task] = await seedTasks(2);
    expect(task?.status).toBe('DONE');
    expect((await shuffleTasks(deps(3), manager)).reassigned).toBe(1);
    const [event] = await database.db.select().from(outbox);
    expect(event?.aggregateId).toBe((event?.payload as { aggregateId: string }).aggregateId);
    expect(event?.aggregateId).toBeTruthy();
    await database.db.update(tasks).set({ status: 'DONE' }).where(eq(tasks.status, 'OPEN'));
    expect((await shuffleTasks(deps(3), manager)).reassigned).toBe(0);
    expect(await database.db.select().from(outbox)).toHaveLength(1);
  });

  it('fails with FAILED_PRECONDITION and moves nothing when nobody is assignable', async () => {
    await seedTasks(10);
    const before = await database.db.select().from(tasks).orderBy(asc(tasks.id));
    await expect(shuffleTasks(deps(1), manager)).rejects.toThrowError(DomainError);
    expect(await database.db.select().from(tasks).orderBy(asc(tasks.id))).toEqual(before);
    expect(await database.db.select().from(outbox)).toHaveLength(0);
  });
});
