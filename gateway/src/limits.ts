import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  /** Deepest field nesting (a root field is depth 1). */
  maxDepth: number;
  /** Fields in the operation with fragments expanded: bounds alias and fragment amplification. */
  maxFields: number;
  /** Aliased fields in the operation with fragments expanded. */
  maxAliases: number;
}

interface Measure {
  depth: number;
  fields: number;
  aliases: number;
}

/**
 * Introspection's `ofType` chain unwraps `[Task!]!` one wrapper at a time: it never fans out and
 * ends where the schema's wrapping ends, so it costs no depth. Without this, GraphiQL's standard
 * introspection query (seven nested `ofType`) reads as depth 15 and the explorer gets no schema.
 * Fan-out fields under `__schema`/`__type` (types, fields, type…) still count.
 */
function costsDepth(name: string, inIntrospection: boolean): boolean {
  return !(inIntrospection && name === 'ofType');
}

function measure(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  budget: number,
  inIntrospection = false,
): Measure {
  let depth = 0;
  let fields = 0;
  let aliases = 0;
  for (const selection of selectionSet.selections) {
    // Stop early once over budget: a hostile document must not make us walk it all.
    if (fields > budget) break;
    let child: Measure = { depth: 0, fields: 0, aliases: 0 };
    if (selection.kind === Kind.FIELD) {
      fields += 1;
      if (selection.alias) aliases += 1;
      const name = selection.name.value;
      const introspection = inIntrospection || name === '__schema' || name === '__type';
      if (selection.selectionSet)
        child = measure(selection.selectionSet, fragments, visiting, budget - fields, introspection);
      depth = Math.max(depth, child.depth + (costsDepth(name, inIntrospection) ? 1 : 0));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      child = measure(selection.selectionSet, fragments, visiting, budget - fields, inIntrospection);
      depth = Math.max(depth, child.depth);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      child = measure(fragment.selectionSet, fragments, visiting, budget - fields, inIntrospection);
      visiting.delete(name);
      depth = Math.max(depth, child.depth);
    }
    fields += child.fields;
    aliases += child.aliases;
  }
  return { depth, fields, aliases };
}

/** Refuses operations that are too deep or too large before any subgraph is asked. */
export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(node) {
        const m = measure(node.selectionSet, fragments, new Set(), limits.maxFields);
        const problems: string[] = [];
        if (m.depth > limits.maxDepth) problems.push(`depth ${m.depth} exceeds ${limits.maxDepth}`);
        if (m.fields > limits.maxFields) problems.push(`more than ${limits.maxFields} fields`);
        if (m.aliases > limits.maxAliases) problems.push(`${m.aliases} aliases exceed ${limits.maxAliases}`);
        if (problems.length > 0) {
          context.reportError(
            new GraphQLError(`Query too complex: ${problems.join('; ')}`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_COMPLEX' },
            }),
          );
        }
      },
    };
  };
}
