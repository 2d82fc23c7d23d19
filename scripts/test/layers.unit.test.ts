import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The dependency rules of eslint.config.js, run on fixture services laid out like ours.
const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/lint-fixtures');
const domain = path.join(fixtures, 'subgraphs/demo/src/domain');
const useCases = path.join(fixtures, 'subgraphs/demo/src/use-cases');

async function ruleIdsOf(file: string, code?: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: fixtures,
    overrideConfigFile: path.join(root, 'eslint.config.js'),
    ignore: false,
  });
  const [result] =
    code === undefined ? await eslint.lintFiles([file]) : await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the dependency lint', () => {
  it('refuses an import from domain/ into db/', async () => {
    expect(await ruleIdsOf(path.join(domain, 'uses-db.ts'))).toContain('import-x/no-restricted-paths');
  });

  it('refuses an import from domain/ into use-cases/', async () => {
    const code = "import { a } from '../use-cases/cycle-a.ts';\n\nexport const c = a;\n";
    expect(await ruleIdsOf(path.join(domain, 'uses-use-case.ts'), code)).toContain(
      'import-x/no-restricted-paths',
    );
  });

  it('refuses an import cycle', async () => {
    expect(await ruleIdsOf(path.join(useCases, 'cycle-a.ts'))).toContain('import-x/no-cycle');
  });

  it('lets a pure domain module be', async () => {
    expect(await ruleIdsOf(path.join(domain, 'pure.ts'))).toEqual([]);
  });
});
