import { describe, expect, it } from 'vitest';
import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { checkOperation, DEFAULT_OPERATION_LIMITS, queryLimitsRule } from '../src/operation-limits.ts';

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

describe('operation limits (checkOperation, as graphql-ws and every server apply them)', () => {
  const all = { ...DEFAULT_OPERATION_LIMITS };
  const refusal = (query: string) => {
    const checked = checkOperation(schema, query, all);
    return 'errors' in checked ? checked.errors.map((e) => [e.extensions.code, e.message]) : [];
  };

  it('stops parsing a document at the first token over the limit', () => {
    const huge = `{ me { id ${'login '.repeat(200_000)} } }`;
    expect(refusal(huge)).toEqual([
      ['QUERY_TOO_COMPLEX', `Query too complex: more than ${all.maxTokens} tokens`],
    ]);
  });

  it('refuses too many aliases, directives and arguments, each with QUERY_TOO_COMPLEX', () => {
    const aliases = `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    expect(refusal(aliases)).toEqual([
      ['QUERY_TOO_COMPLEX', expect.stringMatching(/Aliases limit of 15 exceeded/)],
    ]);
    const directives = `{ me { id ${'@include(if: true) '.repeat(40)} } }`;
    expect(refusal(directives)).toEqual([['QUERY_TOO_COMPLEX', expect.stringMatching(/Directives limit/)]]);
    const args = `{ me { id ${Array.from({ length: 120 }, (_, i) => `f${i}: login @skip(if: false)`).join(' ')} } }`;
    expect(refusal(args)).toEqual([
      ['QUERY_TOO_COMPLEX', expect.stringMatching(/; more than 100 arguments$/)],
    ]);
  });

  it('refuses a list fanned out past the cost limit', () => {
    const listSchema = buildSchema(`
      type Query { users(first: Int): [User!]! }
      type User { id: ID! friends(first: Int): [User!]! }
    `);
    const checked = checkOperation(
      listSchema,
      `{ users(first: 200) { friends(first: 200) { friends(first: 200) { id } } } }`,
      all,
    );
    expect('errors' in checked && checked.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/Cost limit of 50000 exceeded/),
    ]);
  });

  it('lets a document within the limits through to the schema rules', () => {
    expect(refusal(`{ me { id login } }`)).toEqual([]);
    expect(refusal(`{ me { nope } }`)).toEqual([
      ['GRAPHQL_VALIDATION_FAILED', expect.stringMatching(/nope/)],
    ]);
  });
});
