import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditServer } from 'graphql-http';
import { startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem('gqlhttp');
});
afterAll(async () => {
  await system?.stop();
});

const get = (params: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${system.gateway.url}?${new URLSearchParams(params).toString()}`, { headers });

describe('the gateway speaks the GraphQL-over-HTTP spec', () => {
  it('passes every check of graphql-http’s audit, MAYs included', async () => {
    const results = await auditServer({ url: system.gateway.url });
    expect(results.length).toBeGreaterThan(50);
    const notOk = results.filter((r) => r.status !== 'ok').map((r) => `${r.status} ${r.id} ${r.name}`);
    expect(notOk).toEqual([]);
  });

  it('runs a query sent by GET, with the caller’s token', async () => {
    const admin = await system.admin();
    const res = await get(
      { query: 'query Me { me { login } }', operationName: 'Me' },
      { accept: 'application/graphql-response+json', authorization: `Bearer ${admin.token}` },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    // Per-user data, and no field carries a cache hint: no cache may keep it.
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ data: { me: { login: 'admin' } } });
  });

  it('refuses a mutation sent by GET with 405, running nothing', async () => {
    const res = await get(
      { query: 'mutation { logIn(login: "admin", password: "admin-password-1") { token } }' },
      { accept: 'application/json' },
    );
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toMatch(/POST/);
    const body = (await res.json()) as { data?: unknown };
    expect(body.data).toBeUndefined();
  });

  it('answers a document that does not validate 200 as application/json, 400 as graphql-response+json', async () => {
    const query = '{ me { noSuchField } }';
    const asJson = await get({ query }, { accept: 'application/json' });
    expect(asJson.status).toBe(200);
    expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);
    const asGraphQL = await get({ query }, { accept: 'application/graphql-response+json' });
    expect(asGraphQL.status).toBe(400);
    const body = (await asGraphQL.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('keeps 400 for a request that is not GraphQL over HTTP at all (no query)', async () => {
    const res = await fetch(system.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ qeury: '{ __typename }' }),
    });
    expect(res.status).toBe(400);
  });
});
