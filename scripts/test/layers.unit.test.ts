import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The dependency rules of eslint.config.js, run on fixture services laid out like ours.
const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/lint-fixtures');
const domain = path.join(fixtures, 'subgraphs/demo/src/domain');
const useCases = path.join(fixtures, 'subgraphs/demo/src/use-cases');

async function ruleIdsOf(file: string): Promise<string[]> {
  // The repository's own config; its global ignore of the fixtures is lifted here.
  const eslint = new ESLint({ cwd: root, ignore: false });
  const [result] = await eslint.lintFiles([file]);
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the dependency lint', () => {
  it('refuses an import from domain/ into db/', async () => {
    expect(await ruleIdsOf(path.join(domain, 'uses-db.ts'))).toContain('import-x/no-restricted-paths');
  });

  it('refuses an import from domain/ into resolvers/', async () => {
    expect(await ruleIdsOf(path.join(domain, 'uses-resolver.ts'))).toContain('import-x/no-restricted-paths');
  });

  it('refuses an import from domain/ into use-cases/', async () => {
    expect(await ruleIdsOf(path.join(domain, 'uses-use-case.ts'))).toContain('import-x/no-restricted-paths');
  });

  it('refuses an import cycle', async () => {
    expect(await ruleIdsOf(path.join(useCases, 'cycle-a.ts'))).toContain('import-x/no-cycle');
  });

  it('lets a pure domain module be', async () => {
    expect(await ruleIdsOf(path.join(domain, 'pure.ts'))).toEqual([]);
  });
});
