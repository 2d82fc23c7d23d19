import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  isObjectType,
  isInputObjectType,
  isEnumType,
  parse,
  validate,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { API_SCHEMA_PATH, SUPERGRAPH_PATH, composeSupergraph } from '../lib/compose.ts';
import { presentOperationFiles, presentSubgraphs, sharedDir } from '../lib/subgraphs.ts';

/**
 * Who owns what in shared/contract/api.graphql. A type's fields belong to its owner unless
 * listed under another subgraph's `fields`; root fields are listed per subgraph.
 */
const OWNERS: Record<string, { types: string[]; fields?: string[]; root: string[] }> = {
  users: {
    types: ['DateTime', 'Role', 'User', 'AuthPayload', 'SignUpInput', 'CreateUserInput'],
    root: ['me', 'users', 'user', 'signUp', 'logIn', 'createUser', 'changeRole'],
  },
  tasks: {
    types: [
      'TaskStatus',
      'Task',
      'CreateTaskInput',
      'PageInfo',
      'TaskConnection',
      'ShuffleResult',
      'TaskEventKind',
      'MyTaskEvent',
    ],
    fields: ['User.tasks'],
    root: ['task', 'tasks', 'createTask', 'shuffleTasks', 'completeTask', 'myTasks'],
  },
  accounting: {
    types: [
      'Date',
      'Money',
      'TaskPrice',
      'TransactionKind',
      'Transaction',
      'TransactionConnection',
      'PayoutStatus',
      'Payout',
      'Account',
      'AccountingDay',
      'AccountingDashboard',
      'BillingDayClose',
      'TaskMismatch',
      'Reconciliation',
    ],
    fields: ['User.account', 'Task.price'],
    root: ['myAccount', 'accountingDashboard', 'reconciliation', 'closeBillingDay', 'accountingToday'],
  },
  analytics: {
    types: ['Period', 'ExpensiveTask', 'AnalyticsDay', 'Analytics'],
    root: ['analytics', 'analyticsToday'],
  },
};
const ROOTS = ['Query', 'Mutation', 'Subscription'];

const contract = buildSchema(fs.readFileSync(path.join(sharedDir, 'contract/api.graphql'), 'utf8'));
const apiSchema = buildSchema(fs.readFileSync(API_SCHEMA_PATH, 'utf8'));
const present = new Set(presentSubgraphs().map((s) => s.name));

function ownerOf(typeName: string, fieldName?: string): string | undefined {
  const key = `${typeName}.${fieldName}`;
  for (const [name, owner] of Object.entries(OWNERS)) {
    if (fieldName && owner.fields?.includes(key)) return name;
    if (ROOTS.includes(typeName) && fieldName && owner.root.includes(fieldName)) return name;
  }
  if (ROOTS.includes(typeName)) return undefined;
  return Object.entries(OWNERS).find(([, o]) => o.types.includes(typeName))?.[0];
}

const userTypes = (schema: GraphQLSchema): GraphQLNamedType[] =>
  Object.values(schema.getTypeMap()).filter(
    (t) => !t.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name),
  );

/** Every (type, field) of the contract a present subgraph owns, with what the API schema must say. */
function expectations(): Array<{ what: string; expected: string; actual: string }> {
  const out: Array<{ what: string; expected: string; actual: string }> = [];
  for (const type of userTypes(contract)) {
    const actualType = apiSchema.getType(type.name);
    if (!ROOTS.includes(type.name) && present.has(ownerOf(type.name) ?? '')) {
      out.push({
        what: `type ${type.name}`,
        expected: type.constructor.name,
        actual: actualType?.constructor.name ?? 'missing',
      });
    }
    if (isEnumType(type)) {
      if (!present.has(ownerOf(type.name) ?? '')) continue;
      const values = isEnumType(actualType) ? actualType.getValues().map((v) => v.name) : [];
      for (const v of type.getValues())
        out.push({
          what: `${type.name}.${v.name}`,
          expected: 'value',
          actual: values.includes(v.name) ? 'value' : 'missing',
        });
    }
    if (!isObjectType(type) && !isInputObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (!present.has(ownerOf(type.name, field.name) ?? '')) continue;
      const actualField =
        isObjectType(actualType) || isInputObjectType(actualType)
          ? actualType.getFields()[field.name]
          : undefined;
      out.push({
        what: `${type.name}.${field.name}`,
        expected: String(field.type),
        actual: actualField ? String(actualField.type) : 'missing',
      });
      if (!('args' in field)) continue;
      for (const arg of field.args) {
        const actualArg =
          actualField && 'args' in actualField
            ? actualField.args.find((a) => a.name === arg.name)
            : undefined;
        out.push({
          what: `${type.name}.${field.name}(${arg.name})`,
          expected: `${String(arg.type)} = ${JSON.stringify(arg.defaultValue)}`,
          actual: actualArg
            ? `${String(actualArg.type)} = ${JSON.stringify(actualArg.defaultValue)}`
            : 'missing',
        });
      }
    }
  }
  return out;
}

describe('the public contract', () => {
  it('gives every type and root field of the contract an owning subgraph', () => {
    const unowned = userTypes(contract).flatMap((type) => {
      if (!ROOTS.includes(type.name)) return ownerOf(type.name) ? [] : [type.name];
      if (!isObjectType(type)) return [];
      return Object.keys(type.getFields())
        .filter((f) => !ownerOf(type.name, f))
        .map((f) => `${type.name}.${f}`);
    });
    expect(unowned).toEqual([]);
  });

  it('is served by the composed API schema for every present subgraph, with the same types', () => {
    const list = expectations();
    expect(list.length).toBeGreaterThan(20);
    const mismatches = list.filter((e) => e.expected !== e.actual);
    expect(mismatches).toEqual([]);
  });

  it('validates every client operation whose subgraphs are present', () => {
    const files = presentOperationFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const errors = validate(apiSchema, parse(fs.readFileSync(file, 'utf8'))).map((e) => e.message);
      expect({ file: path.basename(file), errors }).toEqual({ file: path.basename(file), errors: [] });
    }
  });
});

describe('the committed supergraph', () => {
  it('composes without errors and matches schema/supergraph.graphql and schema/api.graphql (run `pnpm compose`)', () => {
    const composed = composeSupergraph();
    expect(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composed.supergraphSdl);
    expect(fs.readFileSync(API_SCHEMA_PATH, 'utf8')).toBe(composed.apiSchemaSdl);
  });
});
