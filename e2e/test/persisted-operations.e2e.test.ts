import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit } from 'graphql';
import { repoRoot } from '@ates/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWs, errorCodes, waitFor, type GraphQLClient } from '@ates/testing';
import { hire } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

/** The gateway as production runs it with ATES_TRUSTED_DOCUMENTS=only. */
let system: TestSystem;
let worker: GraphQLClient;

beforeAll(async () => {
  system = await startSystem('persisted', { trustedDocuments: 'only' });
  [worker] = (await hire(system, ['WORKER'])).map((p) => p.client) as [GraphQLClient];
});
afterAll(async () => {
  await system?.stop();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const apq = (client: GraphQLClient, body: Record<string, unknown>) =>
  fetch(system.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${client.token}` },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, ...((await r.json()) as object) }));
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

/**
 * One of the UI's operations (ui/src/graphql) as urql sends it: with the fragments it spreads,
 * printed, and with __typename added to every selection set below the root (urql's cache).
 */
function uiOperation(name: string): string {
  const dir = path.join(repoRoot, 'ui/src/graphql');
  const definitions = fs
    .readdirSync(dir)
    .flatMap(
      (file) => parse(fs.readFileSync(path.join(dir, file), 'utf8'), { noLocation: true }).definitions,
    );
  const named = (kind: string, n: string) =>
    definitions.find((d) => d.kind === kind && 'name' in d && d.name?.value === n);
  const operation = named(Kind.OPERATION_DEFINITION, name);
  if (!operation) throw new Error(`no UI operation ${name}`);
  const picked = [operation];
  for (let i = 0; i < picked.length; i++)
    for (const [, spread] of print(picked[i]!).matchAll(/\.\.\.(\w+)/g)) {
      const fragment = named(Kind.FRAGMENT_DEFINITION, spread!);
      if (fragment && !picked.includes(fragment)) picked.push(fragment);
    }
  const withTypename = visit(
    { kind: Kind.DOCUMENT, definitions: picked },
    {
      Field: (field) =>
        field.selectionSet
          ? {
              ...field,
              selectionSet: {
                ...field.selectionSet,
                selections: [
                  ...field.selectionSet.selections,
                  { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } },
                ],
              },
            }
          : undefined,
    },
  );
  return print(withTypename);
}
const UI_ME = uiOperation('Me');
const UNTRUSTED = '{ users { id email } }';

describe('persisted operations with trusted documents on', () => {
  it('runs the UI’s operation for a worker, as the UI sends it', async () => {
    const res = await worker.request(UI_ME);
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ me: { role: 'WORKER', __typename: 'User' } });
  });

  it('refuses a worker any other document with FORBIDDEN before a subgraph is asked', async () => {
    const res = await worker.request(UNTRUSTED);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.status).toBe(403);
    expect(res.data ?? null).toBeNull();
  });

  it('refuses an unknown hash with PERSISTED_QUERY_NOT_FOUND, and will not learn it from a worker', async () => {
    const hash = sha256(UNTRUSTED);
    expect(errorCodes(await apq(worker, { extensions: persisted(hash) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
    expect(errorCodes(await apq(worker, { query: UNTRUSTED, extensions: persisted(hash) }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await apq(worker, { extensions: persisted(hash) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
  });

  it('lets an admin (the explorer’s operators) send free documents and register them by APQ', async () => {
    const admin = await system.admin();
    const query = '{ users { login } }';
    const hash = sha256(query);
    expect(errorCodes(await apq(admin, { extensions: persisted(hash) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
    const registered = (await apq(admin, { query, extensions: persisted(hash) })) as { data?: unknown };
    expect(registered.data).toMatchObject({ users: expect.arrayContaining([{ login: 'admin' }]) });
    const byHash = (await apq(admin, { extensions: persisted(hash) })) as { data?: unknown };
    expect(byHash.data).toEqual(registered.data);
  });

  it('serves a trusted document by its manifest hash alone', async () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(repoRoot, 'schema/trusted-documents/ui.json'), 'utf8'),
    ) as Record<string, string>;
    const [hash] = Object.entries(manifest).find(([, text]) => /query Me \{/.test(text)) ?? [''];
    const res = (await apq(worker, { extensions: persisted(hash) })) as { data?: unknown; errors?: unknown };
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ me: { role: 'WORKER' } });
  });

  it('holds subscriptions to the same rule over graphql-ws', async () => {
    const ws = connectWs(system.gateway.url, worker.token);
    try {
      const refused = await ws.subscribe('subscription { accountingToday { day } }');
      expect(await refused.ended).toMatchObject([{ extensions: { code: 'FORBIDDEN' } }]);
      const ui = await ws.subscribe(uiOperation('OnMyTasks'));
      await waitFor('the UI’s subscription upstream', () => system.gateway.liveStats().upstreams === 1);
      await ui.close();
      expect(ui.pending()).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });
});
