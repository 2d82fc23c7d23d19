import fs from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { apiChanges, projectOperations } from '../lib/api-changes.ts';
import { API_SCHEMA_PATH, SUPERGRAPH_PATH, composeSupergraph } from '../lib/compose.ts';
import { presentSubgraphs } from '../lib/subgraphs.ts';

/**
 * The public API under change control (docs/api.md): the API schema
 * composed from the subgraphs must not break the committed schema/api.graphql, and every
 * operation the project's clients send must validate against it.
 */
const committed = fs.readFileSync(API_SCHEMA_PATH, 'utf8');
const composed = composeSupergraph();
const operations = projectOperations();
const subgraphSdl = (name: string) =>
  fs.readFileSync(presentSubgraphs().find((s) => s.name === name)!.schemaPath, 'utf8');

describe('the public API', () => {
  it('has no breaking change against the committed schema/api.graphql (update it in the same commit to accept one)', async () => {
    const changes = await apiChanges(committed, composed.apiSchemaSdl, operations);
    // Dangerous changes pass, but CI's log lists them for the reviewer.
    for (const change of changes.dangerous) console.warn(`dangerous API change: ${change}`);
    expect(changes.breaking).toEqual([]);
  });

  it('is what `pnpm compose` writes: schema/supergraph.graphql and schema/api.graphql', () => {
    expect(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composed.supergraphSdl);
    expect(committed).toBe(composed.apiSchemaSdl);
  });

  it('serves every operation of operations/ and ui/src/graphql/', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(new Set(operations.map((op) => op.name)).size).toBe(operations.length);
    const schemas = { composed: buildSchema(composed.apiSchemaSdl), committed: buildSchema(committed) };
    const invalid = operations.flatMap((op) =>
      Object.entries(schemas).flatMap(([which, schema]) =>
        validate(schema, parse(op.text)).map((e) => `${op.name} against the ${which} schema: ${e.message}`),
      ),
    );
    expect(invalid).toEqual([]);
  });
});

describe('the API change check', () => {
  it('names a field renamed in a subgraph as breaking, with the operations that use it', async () => {
    const renamed = subgraphSdl('tasks').replace(
      /^(type Task @key[^{]*\{[^}]*?)\n {2}title: /m,
      '$1\n  heading: ',
    );
    expect(renamed).toContain('heading: String!');
    const changes = await apiChanges(
      committed,
      composeSupergraph({ tasks: renamed }).apiSchemaSdl,
      operations,
    );
    const titleRemoved = changes.breaking.find((c) => c.includes('(Task.title)'));
    expect(titleRemoved).toMatch(/^Field 'title' was removed from object type 'Task'/);
    expect(titleRemoved).toContain('operations/tasks.graphql CreateTask');
    expect(titleRemoved).toContain('ui/src/graphql/tasks.graphql TaskDashboard');
    expect(changes.safe.some((c) => c.includes('(Task.heading)'))).toBe(true);
  });

  it('lets a new enum value through as dangerous, naming the operations that send the enum', async () => {
    const widened = subgraphSdl('users').replace(/^enum Role \{\n/m, 'enum Role {\n  AUDITOR\n');
    const changes = await apiChanges(
      committed,
      composeSupergraph({ users: widened }).apiSchemaSdl,
      operations,
    );
    expect(changes.breaking).toEqual([]);
    expect(changes.dangerous).toEqual([
      expect.stringMatching(
        /^Enum value 'AUDITOR' was added to enum 'Role'.*operations\/users\.graphql Users/,
      ),
    ]);
  });

  it('names the operations that pass a removed argument, and only those', async () => {
    const passes = { name: 'passes first', text: 'query { tasks(first: 1) { nodes { id } } }' };
    const omits = { name: 'omits first', text: 'query { tasks { nodes { id } } }' };
    const narrowed = committed.replace(
      'first: Int = 50, after: String): TaskConnection!',
      'after: String): TaskConnection!',
    );
    expect(narrowed).not.toBe(committed);
    const changes = await apiChanges(committed, narrowed, [passes, omits]);
    expect(changes.breaking).toEqual([
      expect.stringMatching(
        /^Argument 'first: Int' was removed from field 'Query.tasks' \(Query.tasks.first\); used by passes first$/,
      ),
    ]);
  });
});
