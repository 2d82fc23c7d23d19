import { describe, expect, it } from 'vitest';
import { brokenLinks, escapesIn, trackedEscapes } from '../lib/path-escapes.ts';
import { repoRoot } from '../lib/subgraphs.ts';

const escapes = (file: string, text: string) => escapesIn(repoRoot, file, text).map((e) => e.path);
// Built at run time, so this file does not itself name a path above the root.
const up = (levels: number) => '../'.repeat(levels);

describe('the repository stands alone', () => {
  it('has no tracked file that refers to a path above the repository root', () => {
    expect(trackedEscapes(repoRoot).map((e) => `${e.where}: ${e.path}`)).toEqual([]);
  });

  it('links from its Markdown files only to files inside the repository', () => {
    expect(brokenLinks(repoRoot)).toEqual([]);
  });

  it('finds paths that leave the root from the file or, when they name nothing there, from the root', () => {
    expect(escapes('README.md', `the [rules](${up(1)}notes/rules.md)`)).toEqual([`${up(1)}notes/rules.md`]);
    expect(escapes('packages/testing/src/x.ts', `resolve(import.meta.dirname, '${up(4)}notes')`)).toEqual([
      `${up(4)}notes`,
    ]);
    expect(escapes('scripts/lib/x.ts', `path.resolve(repoRoot, '${up(1)}notes')`)).toEqual([`${up(1)}notes`]);
    expect(escapes('docs/x.md', `see \`<repo>/${up(1)}notes\``)).toEqual([`${up(1)}notes`]);
  });

  it('lets relative paths inside the repository, ranges and ellipses through', () => {
    expect(
      escapes('subgraphs/tasks/src/server.ts', `import { x } from '${up(3)}packages/events/src/index.ts';`),
    ).toEqual([]);
    expect(escapes('docs/ui.md', `[ui](${up(1)}ui/codegen.ts), a range 1..5, and so on...`)).toEqual([]);
    expect(escapes('codegen.ts', `Task: '${up(1)}resolvers/refs.ts#TaskRef'`)).toEqual([]);
  });
});
