import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { repoRoot, type Viewer } from '@ates/service-kit';
import {
  documentHash,
  loadTrustedDocuments,
  manifestOf,
  normalizeDocument,
  PersistedQueryCache,
  trustedDocuments,
} from '../src/trusted-documents.ts';

const MANIFESTS = path.join(repoRoot, 'schema/trusted-documents');
const sources = (dir: string) =>
  fs
    .readdirSync(path.join(repoRoot, dir))
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => parse(fs.readFileSync(path.join(repoRoot, dir, f), 'utf8')));
const viewer = (role: Viewer['role']): Viewer => ({ userId: 'u1', role });

describe('trusted documents', () => {
  it('commits each client’s manifest as its codegen writes it from the client’s operations', () => {
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(MANIFESTS, file), 'utf8')) as unknown;
    expect(read('ui.json')).toEqual(manifestOf(sources('ui/src/graphql')));
    expect(read('operations.json')).toEqual(
      manifestOf([...sources('operations'), ...sources('operations/demo')]),
    );
  });

  it('gives one operation one key however it is formatted, with or without __typename', () => {
    const plain = normalizeDocument(parse('query Me { me { id login } }'));
    const urql = normalizeDocument(parse('query Me {\n  me {\n    login\n    id\n    __typename\n  }\n}'));
    expect(urql).toBe(plain);
    expect(documentHash(plain)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('under "only", runs the manifests’ documents for anyone and a free document for an admin alone', () => {
    const documents = loadTrustedDocuments(MANIFESTS);
    const trust = trustedDocuments('only', documents);
    const [ui] = [...documents.values()];
    expect(trust.refusalOfText(ui!, viewer('WORKER'))).toBeUndefined();
    expect(trust.refusalOfText(ui!, null)).toBeUndefined();
    const free = '{ users { id email } }';
    expect(trust.refusalOfText(free, viewer('WORKER'))?.extensions.code).toBe('FORBIDDEN');
    expect(trust.refusalOfText(free, viewer('MANAGER'))?.extensions.code).toBe('FORBIDDEN');
    expect(trust.refusalOfText(free, null)?.extensions.code).toBe('FORBIDDEN');
    expect(trust.refusalOfText(free, viewer('ADMIN'))).toBeUndefined();
    expect(trustedDocuments('off', documents).refusalOfText(free, viewer('WORKER'))).toBeUndefined();
  });

  it('serves the trusted documents by hash and keeps registrations within the cache’s bytes', async () => {
    const cache = new PersistedQueryCache(new Map([['abc', '{ me { id } }']]), 1000);
    expect(await cache.get('apq:abc')).toBe('{ me { id } }');
    for (let i = 0; i < 100; i++) await cache.set(`apq:${i}`, 'x'.repeat(100));
    expect(await cache.get('apq:0')).toBeUndefined();
    expect(await cache.get('apq:99')).toBe('x'.repeat(100));
  });
});
