import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { print, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedTransactions, type EnvelopeOf } from '@ates/events';
import { createLogger, CORRELATION_HEADER } from '@ates/service-kit';
import { ops, type GraphQLClient } from '@ates/testing';
import { hire } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

type LogLine = { service: string; msg: string; correlationId?: string; eventId?: string } & Record<
  string,
  unknown
>;

const lines: LogLine[] = [];
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
    done();
  },
});

let system: TestSystem;
let admin: GraphQLClient;

beforeAll(async () => {
  system = await startSystem('correlation', {
    seed: 11,
    logger: (service) => createLogger({ service, level: 'debug', destination }),
  });
  admin = await system.admin();
  await hire(system, ['WORKER']);
});
afterAll(async () => {
  await system?.stop();
});

/** A GraphQL request to the gateway with a correlation id of the caller's choosing. */
async function requestWithId(client: GraphQLClient, document: DocumentNode, variables: object, id: string) {
  const response = await fetch(system.gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${client.token}`,
      [CORRELATION_HEADER]: id,
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: Record<string, { id: string }>; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return { echoed: response.headers.get(CORRELATION_HEADER), data: body.data! };
}

interface OutboxRow {
  type: string;
  payload: { id: string; correlationId?: string; causationId?: string; data: Record<string, unknown> };
}

describe('one correlation id, end to end', () => {
  it('travels gateway → tasks → outbox → accounting consumer → transaction.applied, and tags every log line on the way', async () => {
    const correlationId = `e2e-${randomUUID()}`;
    const { echoed, data } = await requestWithId(
      admin,
      ops.CreateTaskDocument,
      { input: { title: 'Follow the thread', description: '' } },
      correlationId,
    );
    expect(echoed).toBe(correlationId);
    const taskId = data.createTask!.id;
    await system.settle();

    // The task tracker's events of that request carry it.
    const tasksOutbox = await system.tasks.deps.sql<OutboxRow[]>`
      select type, payload from outbox where payload->>'correlationId' = ${correlationId} order by seq`;
    expect(tasksOutbox.map((r) => r.type).sort()).toEqual(['task.assigned', 'task.created']);
    const assigned = tasksOutbox.find((r) => r.type === 'task.assigned')!.payload;
    const created = tasksOutbox.find((r) => r.type === 'task.created')!.payload;

    // Accounting reacted to them in its consumer; what it produced names the cause and keeps the id.
    const produced = await system.accounting.deps.sql<OutboxRow[]>`
      select type, payload from outbox where payload->>'correlationId' = ${correlationId} order by seq`;
    const fee = produced.find((r) => r.type === 'transaction.applied');
    expect(fee?.payload.causationId).toBe(assigned.id);
    expect(appliedTransactions(fee!.payload as unknown as EnvelopeOf<'transaction.applied'>)).toEqual([
      expect.objectContaining({ kind: 'ASSIGN_FEE', taskId, causationId: assigned.id }),
    ]);
    // Priced on the first of the two events accounting applied (its lanes by account take the
    // creation and the assignment in parallel).
    const priced = produced.find((r) => r.type === 'task.priced');
    expect([created.id, assigned.id]).toContain(priced?.payload.causationId);

    // Logs: the request at the gateway and in tasks, the handling of its events in every consumer.
    const tagged = lines.filter((l) => l.correlationId === correlationId);
    const requestLogs = tagged.filter((l) => l.msg === 'request').map((l) => l.service);
    expect(requestLogs).toEqual(expect.arrayContaining(['gateway', 'tasks']));
    const handled = (service: string, eventId: string) =>
      tagged.some((l) => l.service === service && l.msg === 'event handled' && l.eventId === eventId);
    expect(handled('accounting', assigned.id)).toBe(true);
    expect(handled('accounting', created.id)).toBe(true);
    expect(handled('analytics', created.id)).toBe(true);
    // Every line written while handling the assignment in accounting carries the id.
    const aboutAssignment = lines.filter((l) => l.service === 'accounting' && l.eventId === assigned.id);
    expect(aboutAssignment.length).toBeGreaterThan(0);
    for (const line of aboutAssignment) expect(line.correlationId).toBe(correlationId);
  });

  it("carries a users request's id into user.created and the consumers that learn of the new popug", async () => {
    const correlationId = `e2e-${randomUUID()}`;
    const login = `traced${randomUUID().slice(0, 8)}`;
    const { data } = await requestWithId(
      admin,
      ops.CreateUserDocument,
      {
        input: {
          login,
          password: 'popug-password-1',
          role: 'WORKER',
          name: login,
          email: `${login}@ates.test`,
        },
      },
      correlationId,
    );
    await system.settle();
    const userId = data.createUser!.id;
    const handledBy = new Set(
      lines
        .filter(
          (l) => l.correlationId === correlationId && l.msg === 'event handled' && l.type === 'user.created',
        )
        .map((l) => l.service),
    );
    expect([...handledBy].sort()).toEqual(['accounting', 'tasks']);
    expect(lines.some((l) => l.service === 'users' && l.correlationId === correlationId)).toBe(true);
    expect(userId).toBeTruthy();
  });

  it('starts a new id when the caller sends none (or a malformed one) and returns it', async () => {
    const response = await fetch(system.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CORRELATION_HEADER]: 'has spaces; and more' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.headers.get(CORRELATION_HEADER)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
