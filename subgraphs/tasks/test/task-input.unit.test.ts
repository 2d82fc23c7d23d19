import { describe, expect, it } from 'vitest';
import { DomainError } from '@ates/service-kit';
import { validateNewTask } from '../src/domain/task-input.ts';
import { decodeCursor, encodeCursor } from '../src/domain/cursor.ts';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'BAD_USER_INPUT') return error.field;
    throw error;
  }
  return undefined;
}

describe('a new task', () => {
  it('trims the title and turns an empty Jira id into none', () => {
    expect(validateNewTask({ title: '  Feed  ', jiraId: ' ', description: 'd' })).toEqual({
      title: 'Feed',
      jiraId: null,
      description: 'd',
    });
  });

  it('keeps SQL metacharacters and Unicode verbatim', () => {
    const title = `Robert'); DROP TABLE tasks;-- 🦜 ünïcødé`;
    expect(validateNewTask({ title, description: 'line 1\n\tline 2' })).toMatchObject({
      title,
      description: 'line 1\n\tline 2',
    });
  });

  it('stores text in Unicode NFC', () => {
    expect(validateNewTask({ title: 'Cafe\u0301', description: 'e\u0301' })).toMatchObject({
      title: 'Caf\u00e9',
      description: '\u00e9',
    });
  });

  it.each([
    ['title', { title: '' }],
    ['title', { title: 'a[b' }],
    ['title', { title: 'x'.repeat(201) }],
    ['jiraId', { title: 'ok', jiraId: 'POPUG-' }],
    ['jiraId', { title: 'ok', jiraId: 'PO PUG-1' }],
    ['description', { title: 'ok', description: 'x'.repeat(10_001) }],
    ['title', { title: '\u200B\u200C\u200D\u2060' }],
    ['title', { title: 'nul\u0000byte' }],
    ['title', { title: 'two\nlines' }],
    ['title', { title: 'broken \uD800 surrogate' }],
    ['description', { title: 'ok', description: 'nul\u0000' }],
    ['description', { title: 'ok', description: 'bell\u0007' }],
    ['jiraId', { title: 'ok', jiraId: `POPUG-${'1'.repeat(1000)}` }],
    ['jiraId', { title: 'ok', jiraId: 'popug-1' }],
    ['jiraId', { title: 'ok', jiraId: 'POPUG-0' }],
  ])(
    'names %s when it is invalid',
    (field, patch: { title: string; jiraId?: string; description?: string }) => {
      expect(fieldOf(() => validateNewTask({ description: '', ...patch }))).toBe(field);
    },
  );

  it('accepts Jira ids like POPUG-42 and A1-7', () => {
    expect(validateNewTask({ title: 't', jiraId: 'POPUG-42', description: '' }).jiraId).toBe('POPUG-42');
    expect(validateNewTask({ title: 't', jiraId: 'A1-7', description: '' }).jiraId).toBe('A1-7');
  });
});

describe('the dashboard cursor', () => {
  it('round-trips and refuses garbage with BAD_USER_INPUT on `after`', () => {
    const cursor = {
      createdAt: new Date('2026-11-24T01:02:03.456Z'),
      id: '0b0e0f10-1111-4222-8333-444455556666',
    };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(fieldOf(() => decodeCursor('garbage'))).toBe('after');
  });
});
