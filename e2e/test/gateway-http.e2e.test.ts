import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, repoRoot } from '@ates/service-kit';
import { startGateway } from '@ates/gateway';
import { errorCodes } from '@ates/testing';
import { startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem('gwhttp');
});
afterAll(async () => {
  await system?.stop();
});

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(system.gateway.url, { method: 'POST', headers, body });

describe('the gateway over HTTP', () => {
  it('answers /healthz and, with every subgraph up, /readyz', async () => {
    const base = system.gateway.url.replace('/graphql', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { users: 'ok' } });
  });

  it('reports not ready, naming the subgraph, when a subgraph does not answer', async () => {
    const gateway = await startGateway({
      host: '127.0.0.1',
      port: 0,
      supergraphSdl: fs.readFileSync(path.join(repoRoot, 'schema/supergraph.graphql'), 'utf8'),
      urlOverrides: { users: 'http://127.0.0.1:9/graphql' },
      publicKeyPem: system.keys.publicKeyPem,
      introspection: false,
      maxBodyBytes: 1000,
      limits: { maxDepth: 5, maxFields: 100, maxAliases: 5 },
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    try {
      const ready = await fetch(gateway.url.replace('/graphql', '/readyz'));
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: Record<string, string> };
      expect(body.checks.users).not.toBe('ok');
    } finally {
      await gateway.stop();
    }
  });

  it('refuses a body over the size limit with 413 before parsing it', async () => {
    const res = await post(JSON.stringify({ query: `{ me { id } } #${'x'.repeat(1_100_000)}` }));
    expect(res.status).toBe(413);
    expect(errorCodes({ status: 413, ...((await res.json()) as object) })).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('refuses malformed JSON with 400 BAD_REQUEST', async () => {
    const res = await post('{"query": "{ me { id } }"');
    expect(res.status).toBe(400);
    expect(errorCodes({ status: 400, ...((await res.json()) as object) })).toEqual(['BAD_REQUEST']);
  });

  it('runs a cross-site GET anonymously: no credential rides along, so no CSRF', async () => {
    // Tokens travel only in the Authorization header, which no simple cross-site request carries.
    const res = await fetch(`${system.gateway.url}?query=${encodeURIComponent('{ me { id } }')}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: null } });
  });

  it('refuses alias amplification before any subgraph is asked', async () => {
    const aliases = Array.from({ length: 60 }, (_, i) => `a${i}: me { id }`).join(' ');
    const res = await system.client.request(`{ ${aliases} }`);
    expect(res.errors?.[0]?.message).toMatch(/too complex.*aliases/i);
    expect(res.data ?? null).toBeNull();
  });

  it('refuses fragment-based field amplification', async () => {
    const spread = Array.from({ length: 40 }, (_, i) => `f${i}: me { ...F }`).join(' ');
    const fields = Array.from({ length: 30 }, () => 'login name').join(' ');
    const res = await system.client.request(`{ ${spread} } fragment F on User { id ${fields} }`);
    expect(res.errors?.[0]?.message).toMatch(/too complex/i);
  });

  it("passes a subgraph's refusal of a bad variable through as BAD_USER_INPUT, not an internal error", async () => {
    const admin = await system.admin();
    const res = await admin.request(
      'query($from: Date!, $to: Date!) { accountingDashboard { days(from: $from, to: $to) { day } } }',
      { from: '2026-02-30', to: '2026-03-01' },
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.message).toMatch(/Date/);
  });

  it('answers an unknown or missing operation name with 400 OPERATION_RESOLUTION_FAILURE', async () => {
    for (const body of [
      { query: 'query A { me { id } }', operationName: 'B' },
      { query: 'query A { me { id } } query C { me { id } }' },
    ]) {
      const res = await post(JSON.stringify(body), {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
      });
      expect(res.status).toBe(400);
      expect(errorCodes({ status: 400, ...((await res.json()) as object) })).toEqual([
        'OPERATION_RESOLUTION_FAILURE',
      ]);
    }
  });

  it('rejects a document that does not parse with GRAPHQL_PARSE_FAILED', async () => {
    const res = await system.client.request('{ me { id ');
    expect(errorCodes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });
});
