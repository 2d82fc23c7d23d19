import { describe, expect, it } from 'vitest';
import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { queryLimitsRule } from '../src/limits.ts';

const schema = buildSchema(`
  type Query { me: User }
  type User { id: ID! login: String! friends: [User!]! }
`);
const limits = { maxDepth: 12, maxFields: 1000, maxAliases: 50 };
const errors = (query: string) =>
  validate(schema, parse(query), [queryLimitsRule(limits)]).map((e) => e.message);
const nest = (levels: number, open: string, leaf: string) =>
  `${open} {`.repeat(levels) + ` ${leaf} ` + '}'.repeat(levels);

describe('query limits', () => {
  it("let GraphiQL's standard introspection query through: its ofType chain costs no depth", () => {
    expect(errors(getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }))).toEqual(
      [],
    );
  });

  it('still refuse introspection that fans out deeper than the limit', () => {
    const deep = `{ __schema { types { ${nest(6, 'fields { type', 'name')} ${'}'.repeat(6)} } } }`;
    expect(errors(deep)).toEqual([expect.stringMatching(/too complex: depth \d+ exceeds 12/)]);
  });

  it('count a field named ofType outside introspection like any other', () => {
    const schemaWithOfType = buildSchema(`type Query { ofType: Query, id: ID }`);
    const query = `{ ${nest(13, 'ofType', 'id')} }`;
    const found = validate(schemaWithOfType, parse(query), [queryLimitsRule(limits)]);
    expect(found.map((e) => e.message)).toEqual([expect.stringMatching(/depth 14 exceeds 12/)]);
  });

  it('refuse a query nested deeper than the limit', () => {
    expect(errors(`{ me { ${nest(12, 'friends', 'id')} } }`)).toEqual([
      expect.stringMatching(/depth 14 exceeds 12/),
    ]);
  });
});
