import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decide } from '../src/consumer/decide.ts';
import {
  getRegistry,
  makeEvent,
  splitJiraTitle,
  standardUpcasters,
  type EventHandlers,
} from '../src/index.ts';

const handlers: EventHandlers = { 'task.created': { 2: () => {} }, 'user.created': { 1: () => {} } };
const ctx = { registry: getRegistry(), handlers, upcasters: standardUpcasters };

const taskV1 = (title: string) =>
  makeEvent({
    type: 'task.created',
    version: 1,
    producer: 'tasks',
    data: {
      taskId: randomUUID(),
      title,
      description: 'd',
      createdBy: randomUUID(),
      createdAt: new Date().toISOString(),
    },
  });

describe('deciding what to do with a message', () => {
  it('upcasts v1 to the handled v2', () => {
    const decision = decide(JSON.stringify(taskV1('[POPUG-42] Title')), ctx);
    expect(decision.kind).toBe('handle');
    if (decision.kind !== 'handle') return;
    expect(decision.envelope).toMatchObject({
      version: 2,
      data: { jiraId: 'POPUG-42', title: 'Title', description: 'd' },
    });
    expect(decision.received.version).toBe(1);
  });

  it('dead-letters a version with neither handler nor upcaster', () => {
    const decision = decide(JSON.stringify(taskV1('x')), { ...ctx, upcasters: {} });
    expect(decision).toMatchObject({ kind: 'dead', reason: 'no handler or upcaster for task.created v1' });
  });

  it('waits on an unknown newer version, dead-letters an unknown older one', () => {
    const event = taskV1('x');
    expect(decide(JSON.stringify({ ...event, version: 3 }), ctx).kind).toBe('wait');
    expect(
      decide(JSON.stringify({ ...event, type: 'task.updated', version: 1 }), {
        ...ctx,
        handlers: { 'task.updated': { 2: () => {} } },
      }),
    ).toMatchObject({ kind: 'dead', reason: 'no schema for task.updated v1 (known: v2)' });
  });

  it('ignores types without a handler, even invalid ones: their own consumers judge them', () => {
    expect(decide(JSON.stringify({ ...taskV1('x'), type: 'task.completed' }), ctx).kind).toBe('ignore');
  });

  it('dead-letters bodies that are not an envelope', () => {
    expect(decide('[]', ctx)).toMatchObject({
      kind: 'dead',
      reason: expect.stringMatching(/^invalid envelope/),
    });
    expect(decide(JSON.stringify({ ...taskV1('x'), id: 'nope' }), ctx)).toMatchObject({
      kind: 'dead',
      reason: expect.stringMatching(/invalid envelope: .*id must match format "uuid"/),
    });
  });

  it('dead-letters an upcaster that produces an invalid event', () => {
    const broken = {
      'task.created': {
        1: (e: ReturnType<typeof taskV1>) => ({
          ...e,
          version: 2 as const,
          data: { ...e.data, jiraId: null, title: '[kept brackets]' },
        }),
      },
    };
    const decision = decide(JSON.stringify(taskV1('x')), { ...ctx, upcasters: broken });
    expect(decision).toMatchObject({
      kind: 'dead',
      reason: expect.stringMatching(/^upcaster of task.created v1: /),
    });
  });
});

describe('splitting a v1 title', () => {
  it.each([
    ['[POPUG-42] Feed the parrots', 'POPUG-42', 'Feed the parrots'],
    ['  [AB1-7]Title', 'AB1-7', 'Title'],
    ['No jira id', null, 'No jira id'],
    ['Broken [bracket] title', null, 'Broken bracket title'],
    ['[POPUG-1]', 'POPUG-1', 'POPUG-1'],
    ['[popug-1] lower case is not a jira id', null, 'popug-1 lower case is not a jira id'],
  ])('%s', (title, jiraId, rest) => {
    expect(splitJiraTitle(title)).toEqual({ jiraId, title: rest });
  });
});
