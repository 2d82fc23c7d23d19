import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { z } from 'zod';

/**
 * What one GraphQL operation may cost, on HTTP and graphql-ws, at the gateway and at every
 * subgraph (defence in depth). Each has an env override (see `operationLimitsEnv`).
 */
export interface OperationLimits {
  /** Lexical tokens in the document: graphql-js `parse` stops at the first one over. */
  maxTokens: number;
  /** Deepest field nesting (a root field is depth 1). */
  maxDepth: number;
  /** Fields in the operation with fragments expanded: bounds alias and fragment amplification. */
  maxFields: number;
  /** Aliased fields in the operation with fragments expanded. */
  maxAliases: number;
  /** Directives in the operation with fragments expanded. */
  maxDirectives: number;
  /** Arguments written in the document. */
  maxArguments: number;
  /** graphql-armor's cost: objects 2, scalars 1, ×1.5 per level, × `first`/`last` of lists. */
  maxCost: number;
  /** Errors in one response (validation stops there; execution errors beyond are dropped). */
  maxErrors: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxTokens: 3_000,
  maxDepth: 12,
  maxFields: 1_000,
  maxAliases: 15,
  maxDirectives: 20,
  maxArguments: 100,
  maxCost: 50_000,
  maxErrors: 20,
};

/** What one graphql-ws client may hold open. */
export interface WsLimits {
  /** Largest frame accepted; a larger one closes the socket (1009). */
  maxPayloadBytes: number;
  /** Subscriptions open at once on one socket; more are refused with TOO_MANY_SUBSCRIPTIONS. */
  maxSubscriptionsPerSocket: number;
  /** Sockets open at once from one address (upgrade refused with 429); unset: no cap. */
  maxConnectionsPerAddress?: number;
  /** A socket that sends no `connection_init` within this is closed (4408). */
  connectionInitTimeoutMs: number;
  /** Ping interval; a peer that has not answered the previous ping is dropped. */
  keepAliveMs: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = {
  maxPayloadBytes: 1024 * 1024,
  maxSubscriptionsPerSocket: 100,
  connectionInitTimeoutMs: 3_000,
  keepAliveMs: 12_000,
};

const limitVar = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

/** The env overrides of `OperationLimits`, to spread into a service's env schema. */
export const operationLimitsEnv = {
  ATES_MAX_QUERY_TOKENS: limitVar(100, DEFAULT_OPERATION_LIMITS.maxTokens),
  ATES_MAX_QUERY_DEPTH: limitVar(2, DEFAULT_OPERATION_LIMITS.maxDepth),
  ATES_MAX_QUERY_FIELDS: limitVar(10, DEFAULT_OPERATION_LIMITS.maxFields),
  ATES_MAX_QUERY_ALIASES: limitVar(0, DEFAULT_OPERATION_LIMITS.maxAliases),
  ATES_MAX_QUERY_DIRECTIVES: limitVar(0, DEFAULT_OPERATION_LIMITS.maxDirectives),
  ATES_MAX_QUERY_ARGUMENTS: limitVar(10, DEFAULT_OPERATION_LIMITS.maxArguments),
  ATES_MAX_QUERY_COST: limitVar(100, DEFAULT_OPERATION_LIMITS.maxCost),
  ATES_MAX_ERRORS: limitVar(1, DEFAULT_OPERATION_LIMITS.maxErrors),
};

/** The env overrides of `WsLimits` (the per-address cap is off unless set). */
export const wsLimitsEnv = {
  ATES_WS_MAX_PAYLOAD_BYTES: limitVar(1024, DEFAULT_WS_LIMITS.maxPayloadBytes),
  ATES_WS_MAX_SUBSCRIPTIONS_PER_SOCKET: limitVar(1, DEFAULT_WS_LIMITS.maxSubscriptionsPerSocket),
  ATES_WS_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).optional(),
  ATES_WS_CONNECTION_INIT_TIMEOUT_MS: limitVar(100, DEFAULT_WS_LIMITS.connectionInitTimeoutMs),
  ATES_WS_KEEPALIVE_MS: limitVar(1000, DEFAULT_WS_LIMITS.keepAliveMs),
};

export const wsLimitsFromEnv = (env: {
  [K in keyof typeof wsLimitsEnv]: K extends 'ATES_WS_MAX_CONNECTIONS_PER_ADDRESS'
    ? number | undefined
    : number;
}): WsLimits => ({
  maxPayloadBytes: env.ATES_WS_MAX_PAYLOAD_BYTES,
  maxSubscriptionsPerSocket: env.ATES_WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
  ...(env.ATES_WS_MAX_CONNECTIONS_PER_ADDRESS === undefined
    ? {}
    : { maxConnectionsPerAddress: env.ATES_WS_MAX_CONNECTIONS_PER_ADDRESS }),
  connectionInitTimeoutMs: env.ATES_WS_CONNECTION_INIT_TIMEOUT_MS,
  keepAliveMs: env.ATES_WS_KEEPALIVE_MS,
});

type LimitsEnv = { [K in keyof typeof operationLimitsEnv]: number };

export const operationLimitsFromEnv = (env: LimitsEnv): OperationLimits => ({
  maxTokens: env.ATES_MAX_QUERY_TOKENS,
  maxDepth: env.ATES_MAX_QUERY_DEPTH,
  maxFields: env.ATES_MAX_QUERY_FIELDS,
  maxAliases: env.ATES_MAX_QUERY_ALIASES,
  maxDirectives: env.ATES_MAX_QUERY_DIRECTIVES,
  maxArguments: env.ATES_MAX_QUERY_ARGUMENTS,
  maxCost: env.ATES_MAX_QUERY_COST,
  maxErrors: env.ATES_MAX_ERRORS,
});

export const TOO_COMPLEX_PREFIX = 'Query too complex: ';

export const tooComplex = (message: string) =>
  new GraphQLError(`${TOO_COMPLEX_PREFIX}${message}`, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

type QueryLimits = Pick<OperationLimits, 'maxDepth' | 'maxFields'>;

interface Measure {
  depth: number;
  fields: number;
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
  for (const selection of selectionSet.selections) {
    // Stop early once over budget: a hostile document must not make us walk it all.
    if (fields > budget) break;
    let child: Measure = { depth: 0, fields: 0 };
    if (selection.kind === Kind.FIELD) {
      fields += 1;
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
  }
  return { depth, fields };
}

/**
 * Depth and field count, hand-written: graphql-armor's max-depth skips `__schema` altogether
 * (an introspection query could nest as deep as it likes) and armor has no field count.
 */
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

/** Arguments in the whole document (armor has no such rule; tokens bound it too, more loosely). */
export function maxArgumentsRule(maxArguments: number): ValidationRule {
  return (context) => {
    let count = 0;
    return {
      Argument() {
        count += 1;
        if (count === maxArguments + 1)
          context.reportError(tooComplex(`more than ${maxArguments} arguments`));
      },
    };
  };
}

/** armor's rules report through this: our code and wording instead of its "Syntax Error:". */
const armorReject = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, ''))),
  ],
};

/** Every validation rule of `OperationLimits` (tokens and errors are parse/validate options). */
export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  return [
    queryLimitsRule(limits),
    maxArgumentsRule(limits.maxArguments),
    maxAliasesRule({ n: limits.maxAliases, ...armorReject }),
    maxDirectivesRule({ n: limits.maxDirectives, ...armorReject }),
    costLimitRule({ maxCost: limits.maxCost, ...armorReject }),
  ] as ValidationRule[];
}

/** One small error naming every limit the document breaks, or undefined within them. */
export function limitRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: OperationLimits,
): GraphQLError | undefined {
  const broken = validate(schema, document, operationLimitRules(limits), { maxErrors: limits.maxErrors });
  if (broken.length === 0) return undefined;
  const reasons = broken.map((e) => e.message.replace(/^Query too complex: /, '').replace(/\.$/, ''));
  return new GraphQLError(`Query too complex: ${reasons.join('; ')}`, {
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } },
  });
}

/**
 * For Apollo, whose validation runs our rules side by side with the schema's (and turns a
 * thrown error into a 500): checks the limits alone when the document is entered and, when
 * they are broken, reports the refusal past `maxErrors` so that graphql-js aborts validation
 * there, before any other rule walks the hostile document. Apollo's `validationOptions.maxErrors`
 * must be `limits.maxErrors`; the response keeps one copy (see apollo.ts).
 */
export function limitsFirstRule(limits: OperationLimits): ValidationRule {
  return (context) => ({
    Document(node) {
      const refusal = limitRefusal(context.getSchema(), node, limits);
      if (!refusal) return;
      for (let i = 0; i <= limits.maxErrors; i++) context.reportError(refusal);
    },
  });
}

const TOKEN_LIMIT = /Document contains more tha[nt] \d+ tokens/;

/** A document over the token limit is too complex, not malformed: say so with our code. */
export const isTokenLimitError = (message: string) => TOKEN_LIMIT.test(message);

/**
 * Parses and validates one operation within `limits`: the document's own limits first, the
 * schema's rules only for a document within them (graphql-js runs rules side by side, so a
 * huge document would otherwise pay every rule before ours refuse it). For servers that do not
 * go through Apollo's pipeline (graphql-ws).
 */
export function checkOperation(
  schema: GraphQLSchema,
  query: unknown,
  limits: OperationLimits,
): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
  if (typeof query !== 'string')
    return {
      errors: [new GraphQLError('The query must be a string', { extensions: { code: 'BAD_REQUEST' } })],
    };
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isTokenLimitError(message)) return { errors: [tooComplex(`more than ${limits.maxTokens} tokens`)] };
    return { errors: [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
  }
  const refusal = limitRefusal(schema, document, limits);
  if (refusal) return { errors: [refusal] };
  const invalid = validate(schema, document, specifiedRules, { maxErrors: limits.maxErrors });
  if (invalid.length > 0)
    return {
      errors: invalid.map(
        (e) =>
          new GraphQLError(e.message, {
            nodes: e.nodes,
            extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      ),
    };
  return { document };
}
