import { CombinedError } from '@urql/core';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { describeError } from './errors.ts';

const error = (...errors: { message: string; extensions?: Record<string, unknown> }[]) =>
  new CombinedError({
    graphQLErrors: errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions })),
  });

describe('describing an API error for the user', () => {
  it('puts input errors next to the field named in extensions.field', () => {
    const view = describeError(
      error({
        message: 'Title must not contain [ or ]',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.title' },
      }),
    );
    expect(view?.fields).toEqual({ title: 'Title must not contain [ or ]' });
    expect(view?.messages).toEqual([]);
    expect(view?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps messages without a field at form level', () => {
    const view = describeError(
      error({ message: 'No popug can take tasks', extensions: { code: 'FAILED_PRECONDITION' } }),
    );
    expect(view?.messages).toEqual(['No popug can take tasks']);
  });

  it('does not leak internal error messages', () => {
    const view = describeError(
      error({ message: 'relation "x" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    );
    expect(view?.messages).toEqual(['Something went wrong on our side. Please try again.']);
  });

  it('explains a network failure', () => {
    const view = describeError(new CombinedError({ networkError: new Error('Failed to fetch') }));
    expect(view?.code).toBe('NETWORK');
    expect(view?.messages[0]).toMatch(/cannot reach the server/i);
  });
});
