import fs from 'node:fs';
import path from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  Kind,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import { OPERATION_DIRS, operationFiles, repoRoot } from './subgraphs.ts';

/**
 * The public API under change control: schema/api.graphql is the committed baseline; a change
 * of the composed API schema against it is breaking, dangerous or safe by graphql-inspector's
 * rules (a well-kept catalogue of GraphQL change kinds, rather than our own list).
 */

/** One named operation of the project's clients, with the schema coordinates it uses. */
export interface ProjectOperation {
  /** e.g. `operations/tasks.graphql CreateTask` */
  name: string;
  text: string;
}

/** Every operation of `operations/` and `ui/src/graphql/`, one entry per named operation. */
export function projectOperations(): ProjectOperation[] {
  const clients = Object.keys(OPERATION_DIRS) as (keyof typeof OPERATION_DIRS)[];
  return clients.flatMap((client) =>
    operationFiles(client).flatMap((file) => {
      const document = parse(fs.readFileSync(file, 'utf8'));
      const fragments = new Map(
        document.definitions
          .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
          .map((d) => [d.name.value, d] as const),
      );
      return document.definitions.flatMap((d) =>
        d.kind === Kind.OPERATION_DEFINITION
          ? [
              {
                name: `${path.relative(repoRoot, file)} ${d.name?.value ?? '(anonymous)'}`,
                text: [d, ...spreadFragments(d, fragments)]
                  .map((n) => n.loc?.source.body.slice(n.loc.start, n.loc.end))
                  .join('\n'),
              },
            ]
          : [],
      );
    }),
  );
}

/** The fragments a definition spreads, and those they spread in turn (unused ones fail validation). */
function spreadFragments(
  node: ASTNode,
  fragments: Map<string, FragmentDefinitionNode>,
  found = new Map<string, FragmentDefinitionNode>(),
): FragmentDefinitionNode[] {
  visit(node, {
    FragmentSpread(spread) {
      const fragment = fragments.get(spread.name.value);
      if (!fragment || found.has(fragment.name.value)) return;
      found.set(fragment.name.value, fragment);
      spreadFragments(fragment, fragments, found);
    },
  });
  return [...found.values()];
}

/**
 * The schema coordinates an operation touches, as graphql-inspector names change paths:
 * `Type.field`, `Type.field.argument`, `Enum.VALUE` for enum literals it sends, and the bare
 * name of each variable's input type.
 */
export function usedCoordinates(schema: GraphQLSchema, text: string): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    parse(text),
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (parent) used.add(`${parent.name}.${node.name.value}`);
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (parent && field) used.add(`${parent.name}.${field.name}.${node.name.value}`);
      },
      EnumValue(node) {
        const type = typeInfo.getInputType();
        const named = type && getNamedType(type);
        if (named && isEnumType(named)) used.add(`${named.name}.${node.value}`);
      },
      VariableDefinition() {
        // A variable's input type is sent whole: every field of it is used.
        const type = typeInfo.getInputType();
        if (type) used.add(getNamedType(type).name);
      },
    }),
  );
  return used;
}

export interface ApiChanges {
  breaking: string[];
  dangerous: string[];
  safe: string[];
}

/**
 * What changes between two API schemas (SDL), each change as graphql-inspector's message and
 * path, plus the project's operations that use that path (so a removed field names its
 * clients).
 */
export async function apiChanges(
  beforeSdl: string,
  afterSdl: string,
  operations: ProjectOperation[] = projectOperations(),
): Promise<ApiChanges> {
  const before = buildSchema(beforeSdl);
  const changes = await diff(before, buildSchema(afterSdl));
  const usage = operations.map((op) => ({ name: op.name, used: usedCoordinates(before, op.text) }));
  const describe = (change: Change): string => {
    const at = change.path;
    const uses = (used: Set<string>) =>
      at !== undefined &&
      (used.has(at) || used.has(at.split('.')[0]!) || [...used].some((c) => c.startsWith(`${at}.`)));
    const users = usage.filter((u) => uses(u.used));
    const usedBy = users.length > 0 ? `; used by ${users.map((u) => u.name).join(', ')}` : '';
    return `${change.message} (${change.path ?? 'schema'})${usedBy}`;
  };
  const of = (level: CriticalityLevel) => changes.filter((c) => c.criticality.level === level).map(describe);
  return {
    breaking: of(CriticalityLevel.Breaking),
    dangerous: of(CriticalityLevel.Dangerous),
    safe: of(CriticalityLevel.NonBreaking),
  };
}
