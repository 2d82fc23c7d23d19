import type { CombinedError } from '@urql/core';

/**
 * What the UI shows for a failed operation. Errors carry `extensions.code`; input errors also
 * carry `extensions.field`, which the forms show next to that field.
 */
export interface ErrorView {
  /** The first code found (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, ...), if any. */
  code: string | null;
  /** Messages for named input fields, keyed by the last segment of `extensions.field`. */
  fields: Record<string, string>;
  /** Messages not tied to a field, ready to show. */
  messages: string[];
}

const GENERIC: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended. Please log in again.',
  FORBIDDEN: 'Your role is not allowed to do this.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on our side. Please try again.',
};

function stringProp(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function describeError(error: CombinedError | undefined | null): ErrorView | null {
  if (!error) return null;
  const view: ErrorView = { code: null, fields: {}, messages: [] };
  if (error.networkError && error.graphQLErrors.length === 0) {
    view.code = 'NETWORK';
    view.messages.push('Cannot reach the server. Check your connection and try again.');
    return view;
  }
  for (const gqlError of error.graphQLErrors) {
    const code = stringProp(gqlError.extensions['code']);
    const field = stringProp(gqlError.extensions['field']);
    view.code ??= code;
    if (field) {
      const key = field.split('.').pop() ?? field;
      view.fields[key] ??= gqlError.message;
      continue;
    }
    const generic = code ? GENERIC[code] : undefined;
    const message = code === 'INTERNAL_SERVER_ERROR' || !gqlError.message ? generic : gqlError.message;
    if (message && !view.messages.includes(message)) view.messages.push(message);
  }
  if (view.messages.length === 0 && Object.keys(view.fields).length === 0)
    view.messages.push(GENERIC['INTERNAL_SERVER_ERROR'] ?? 'Something went wrong.');
  return view;
}

export function hasCode(error: CombinedError | undefined | null, code: string): boolean {
  return !!error?.graphQLErrors.some((e) => e.extensions['code'] === code);
}
