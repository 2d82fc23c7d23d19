import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentNode } from 'graphql';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { manifestOf } from '../../gateway/src/trusted-documents.ts';

/**
 * A codegen plugin writing a client's trusted-documents manifest (SHA-256 of the normal form →
 * the document), in the format of `@graphql-codegen/client-preset`'s `persisted-documents.json`
 * and with the gateway's own normalization, so what the gateway computes always matches.
 */
const plugin = {
  plugin: (_schema: unknown, documents: ReadonlyArray<{ document?: DocumentNode }>) =>
    `${JSON.stringify(manifestOf(documents.flatMap((d) => (d.document ? [d.document] : []))), null, 2)}\n`,
};

export const TRUSTED_DOCUMENTS_PLUGIN = 'ates-trusted-documents';

/** codegen's plugin loader: ours by name, any other resolved from `dir` as codegen would. */
export function pluginLoader(dir: string): NonNullable<CodegenConfig['pluginLoader']> {
  const require = createRequire(path.join(dir, 'codegen.ts'));
  return async (name) =>
    name === TRUSTED_DOCUMENTS_PLUGIN
      ? plugin
      : ((await import(pathToFileURL(require.resolve(name)).href)) as Awaited<
          ReturnType<NonNullable<CodegenConfig['pluginLoader']>>
        >);
}
