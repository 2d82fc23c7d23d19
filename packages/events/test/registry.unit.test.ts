import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderEventTypes } from '../src/codegen/render-event-types.ts';
import { listSchemaFiles, readSchemaFiles, schemaFileName } from '../src/registry/schema-files.ts';
import {
  defaultSchemaDir,
  EVENT_DOMAINS,
  EventValidationError,
  getRegistry,
  makeEvent,
  subjectFor,
  streamName,
} from '../src/index.ts';

const registry = getRegistry();

describe('event schema registry', () => {
  it('knows the users, tasks and accounting events, their versions and domains', () => {
    expect(registry.types()).toEqual(
      expect.arrayContaining([
        'task.assigned',
        'task.completed',
        'task.created',
        'task.priced',
        'task.updated',
        'transaction.applied',
        'user.created',
        'user.role-changed',
        'user.updated',
      ]),
    );
    expect(registry.domainOf('transaction.applied')).toBe('accounting');
    expect(registry.versions('task.created')).toEqual([1, 2]);
    expect(registry.latestVersion('task.created')).toBe(2);
    expect(registry.domainOf('user.role-changed')).toBe('users');
    expect(() => registry.domainOf('nope.nothing')).toThrow(/Unknown event type/);
  });

  it('names every file after its x-event block', () => {
    for (const event of readSchemaFiles(defaultSchemaDir).events) {
      expect(event.file).toBe(schemaFileName(event.domain, event.type, event.version));
    }
    expect(listSchemaFiles(defaultSchemaDir)).toContain('users/user-role-changed.v1.json');
  });

  it('validates the envelope and the data of (type, version)', () => {
    const userId = randomUUID();
    const event = makeEvent({
      type: 'user.role-changed',
      version: 1,
      producer: 'users',
      aggregateId: userId,
      data: { userId, role: 'MANAGER', previousRole: 'WORKER' },
    });
    expect(registry.check(event).ok).toBe(true);
    expect(registry.check({ ...event, occurredAt: 'yesterday' })).toMatchObject({
      ok: false,
      kind: 'invalid-envelope',
    });
    expect(registry.check({ ...event, version: 2 })).toMatchObject({ ok: false, kind: 'unknown-schema' });
    expect(registry.check({ ...event, data: { ...event.data, extra: 1 } })).toMatchObject({
      ok: false,
      kind: 'invalid-data',
      problems: 'data must NOT have additional properties',
    });
    expect(() => registry.assertValid({ ...event, data: { ...event.data, role: 'KING' } })).toThrow(
      EventValidationError,
    );
  });

  it('checks every new date-time in full after accepting another one (the last valid is remembered)', () => {
    const userId = randomUUID();
    const event = makeEvent({
      type: 'user.role-changed',
      version: 1,
      producer: 'users',
      aggregateId: userId,
      occurredAt: new Date('2026-02-28T10:00:00Z'),
      data: { userId, role: 'MANAGER', previousRole: 'WORKER' },
    });
    expect(registry.check(event).ok).toBe(true);
    expect(registry.check(event).ok).toBe(true);
    // Shaped like its neighbour, but no such day: only the calendar check rejects it.
    for (const occurredAt of ['2026-02-30T10:00:00Z', '2026-02-28T10:00:00', '2026-02-28T24:00:00Z'])
      expect(registry.check({ ...event, occurredAt })).toMatchObject({ ok: false, kind: 'invalid-envelope' });
    expect(registry.check(event).ok).toBe(true);
  });

  it('compiles every schema in strict mode (each when first needed, so all of them here)', () => {
    for (const file of readSchemaFiles(defaultSchemaDir).events) {
      const event = {
        id: randomUUID(),
        type: file.type,
        version: file.version,
        occurredAt: '2026-12-07T10:00:00.000Z',
        producer: 'test',
        data: {},
      };
      expect(() => registry.check(event), `${file.type} v${file.version}`).not.toThrow();
    }
  });

  it('tolerates extra envelope fields from newer producers', () => {
    const event = makeEvent({
      type: 'user.updated',
      version: 1,
      producer: 'users',
      data: { userId: randomUUID(), login: 'a', name: 'A', email: 'a@b.c' },
    });
    expect(registry.check({ ...event, traceId: 'abc' }).ok).toBe(true);
  });

  it('derives subjects and stream names from the domain and an optional namespace', () => {
    expect(subjectFor(undefined, 'user.created')).toBe('users.user.created');
    expect(subjectFor('t3fa2c91b20e', 'task.assigned')).toBe('t3fa2c91b20e.tasks.task.assigned');
    expect(streamName('t3fa2c91b20e', 'users')).toBe('T3FA2C91B20E_USERS');
    expect(streamName(undefined, 'jobs')).toBe('JOBS');
    expect(EVENT_DOMAINS['task.completed']).toBe('tasks');
  });

  it('has generated TypeScript types that match the schemas (run `pnpm codegen` if this fails)', async () => {
    const generated = fs.readFileSync(
      path.resolve(import.meta.dirname, '../src/generated/event-types.ts'),
      'utf8',
    );
    expect(generated).toBe(await renderEventTypes(defaultSchemaDir));
  });
});
