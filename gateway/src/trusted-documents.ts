import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import { GraphQLError, Kind, parse, visit, type DocumentNode, type FragmentDefinitionNode } from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Role, Viewer } from '@ates/service-kit';

/**
 * `off`: any document runs (APQ still works). `only`: a caller whose role is not trusted with
 * free documents runs only the operations of the committed manifests (trusted documents).
 */
export type TrustedDocumentsMode = 'off' | 'only';

/** Roles that may send any document under `only`: operators, and the explorer they use. */
export const FREE_DOCUMENT_ROLES: readonly Role[] = ['ADMIN'];

/**
 * The normal form of an executable document, as `@graphql-codegen/client-preset`'s persisted
 * documents print it (definitions and selections sorted, no comments or extra whitespace), so
 * the same operation however formatted has one key; without the plain `__typename` fields that
 * urql's and Apollo Client's caches add to every selection (they reveal nothing).
 */
export const normalizeDocument = (document: DocumentNode): string =>
  printExecutableGraphQLDocument(
    visit(document, {
      Field: (field) =>
        field.name.value === '__typename' && !field.alias && !field.directives?.length ? null : undefined,
    }),
  );

export const documentHash = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Each operation of `documents` with the fragments it uses, keyed by its normal form's SHA-256. */
export function manifestOf(documents: readonly DocumentNode[]): Record<string, string> {
  const definitions = documents.flatMap((d) => d.definitions);
  const fragments = new Map(
    definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const entries: Array<[string, string]> = [];
  for (const operation of definitions) {
    if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
    const used = new Map<string, FragmentDefinitionNode>();
    const collect = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach(collect);
      const n = node as { kind?: string; name?: { value: string } };
      if (n.kind === Kind.FRAGMENT_SPREAD && n.name && !used.has(n.name.value)) {
        const fragment = fragments.get(n.name.value);
        if (fragment) {
          used.set(n.name.value, fragment);
          collect(fragment.selectionSet);
        }
      }
      for (const [key, value] of Object.entries(node)) if (key !== 'loc') collect(value);
    };
    collect(operation.selectionSet);
    const text = normalizeDocument({ kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] });
    entries.push([documentHash(text), text]);
  }
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** Every `*.json` manifest (hash → document) in `dir`, merged. */
export function loadTrustedDocuments(dir: string): Map<string, string> {
  const documents = new Map<string, string>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, string>;
    for (const [hash, text] of Object.entries(manifest)) documents.set(hash, text);
  }
  return documents;
}

/** What is decided about one document for one caller. */
export interface TrustedDocuments {
  mode: TrustedDocumentsMode;
  /** The manifests' documents, hash → text. */
  documents: ReadonlyMap<string, string>;
  /** The refusal for `document` from `viewer`, or undefined when it may run. */
  refusal(document: DocumentNode, viewer: Viewer | null): GraphQLError | undefined;
  /** Same, from the text (transports that parse it themselves). */
  refusalOfText(query: string, viewer: Viewer | null): GraphQLError | undefined;
}

export function trustedDocuments(
  mode: TrustedDocumentsMode,
  documents: ReadonlyMap<string, string>,
): TrustedDocuments {
  // Normal forms already seen trusted, by the text that came in (the UI sends the same few).
  const seen = new Map<string, boolean>();
  const isTrusted = (document: DocumentNode, text?: string): boolean => {
    const known = text === undefined ? undefined : seen.get(text);
    if (known !== undefined) return known;
    const trusted = documents.has(documentHash(normalizeDocument(document)));
    if (text !== undefined) {
      if (seen.size >= 1000) seen.clear();
      seen.set(text, trusted);
    }
    return trusted;
  };
  const refusal = (document: DocumentNode, viewer: Viewer | null, text?: string) => {
    if (mode === 'off' || (viewer && FREE_DOCUMENT_ROLES.includes(viewer.role))) return undefined;
    if (isTrusted(document, text)) return undefined;
    return new GraphQLError(
      'Only the operations of the aTES clients (trusted documents) run here: send one of them, or its persisted hash',
      { extensions: { code: 'FORBIDDEN', reason: 'UNTRUSTED_DOCUMENT', http: { status: 403 } } },
    );
  };
  return {
    mode,
    documents,
    refusal: (document, viewer) => refusal(document, viewer),
    refusalOfText: (query, viewer) => {
      if (mode === 'off' || (viewer && FREE_DOCUMENT_ROLES.includes(viewer.role))) return undefined;
      let document: DocumentNode;
      try {
        document = parse(query, { noLocation: true });
      } catch {
        return undefined; // the transport's own parse reports the syntax error
      }
      return refusal(document, viewer, query);
    },
  };
}

/** Refuses, after validation and before any subgraph is asked, what the caller may not run. */
export function trustedDocumentsPlugin(trust: TrustedDocuments): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      if (trust.mode === 'off') return;
      return {
        async didResolveOperation({ document, contextValue }) {
          const refused = trust.refusal(
            document,
            (contextValue as { viewer?: Viewer | null }).viewer ?? null,
          );
          if (refused) throw refused;
        },
      };
    },
  };
}

/**
 * The APQ store: Apollo's `apq:<sha256>` keys. The manifests' documents are always there (a
 * client may send only the hash of a trusted document); registrations go to a bounded LRU.
 */
export class PersistedQueryCache implements KeyValueCache<string> {
  private readonly registered: InMemoryLRUCache<string>;

  constructor(
    private readonly trusted: ReadonlyMap<string, string>,
    maxBytes: number,
  ) {
    this.registered = new InMemoryLRUCache<string>({ maxSize: maxBytes });
  }

  async get(key: string) {
    return this.trusted.get(key.replace(/^apq:/, '')) ?? this.registered.get(key);
  }

  async set(key: string, value: string) {
    await this.registered.set(key, value);
  }

  async delete(key: string) {
    return this.registered.delete(key);
  }
}
