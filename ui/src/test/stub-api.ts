import { vi } from 'vitest';

export interface ApiCall {
  operationName: string;
  variables: Record<string, unknown>;
  method: string;
  headers: Record<string, string>;
}

type Handler = (variables: Record<string, unknown>) => unknown;

/**
 * Replaces `fetch` with canned GraphQL responses per operation name, recording each request
 * (method, headers, variables) so tests can check what the app sent.
 */
export function stubApi(handlers: Record<string, Handler>): ApiCall[] {
  const calls: ApiCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: unknown, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body ?? '{}')) as {
        operationName: string;
        variables?: Record<string, unknown>;
      };
      calls.push({
        operationName: body.operationName,
        variables: body.variables ?? {},
        method: init?.method ?? 'GET',
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
      });
      const handler = handlers[body.operationName];
      const result = handler
        ? handler(body.variables ?? {})
        : { errors: [{ message: `no stub for ${body.operationName}` }] };
      return new Response(JSON.stringify(result), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }),
  );
  return calls;
}

export function gqlError(message: string, extensions: Record<string, unknown>) {
  return { data: null, errors: [{ message, extensions }] };
}
