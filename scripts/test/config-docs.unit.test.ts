import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envExampleVariables, readmeVariables, schemaVariables } from '../lib/config-docs.ts';
import { repoRoot } from '../lib/subgraphs.ts';

/** Where variables that no service schema reads are read instead (scripts, tests, compose). */
function readOutsideSchemas(variable: string): boolean {
  const places = ['scripts', 'packages/testing/src', 'docker-compose.yml'];
  return places.some((place) => {
    const full = path.join(repoRoot, place);
    const files = fs.statSync(full).isDirectory()
      ? fs
          .readdirSync(full, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
          .map((e) => path.join(e.parentPath, e.name))
      : [full];
    return files.some((file) => fs.readFileSync(file, 'utf8').includes(variable));
  });
}

describe("the README's configuration table", () => {
  it('names every variable a service, worker or the events CLI reads through its env schema', async () => {
    const documented = readmeVariables();
    const undocumented = [...(await schemaVariables())]
      .filter(([variable]) => !documented.has(variable))
      .map(([variable, readers]) => `${variable} (${readers.join(', ')})`);
    expect(undocumented).toEqual([]);
  });

  it('names only variables something reads', async () => {
    const read = await schemaVariables();
    const unread = [...readmeVariables()].filter((v) => !read.has(v) && !readOutsideSchemas(v));
    expect(unread).toEqual([]);
  });

  it('is listed in full by .env.example', () => {
    const listed = envExampleVariables();
    expect([...readmeVariables()].filter((v) => !listed.has(v))).toEqual([]);
  });
});
