import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLock, defaultSchemaDir, updateLock } from '../src/index.ts';

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function copyOfRegistry(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-schemas-'));
  copies.push(dir);
  fs.cpSync(defaultSchemaDir, dir, { recursive: true });
  return dir;
}

const edit = (file: string, change: (schema: Record<string, unknown>) => void, indent = 2) => {
  const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(schema);
  fs.writeFileSync(file, JSON.stringify(schema, null, indent));
};

describe('schema lock', () => {
  it('every released schema in the repository is unchanged (add a new version file instead of editing)', () => {
    const report = checkLock(defaultSchemaDir);
    expect(report.changed).toEqual([]);
    expect(report.missing).toEqual([]);
  });

  it('every schema file is locked (run `pnpm events lock` after adding one)', () => {
    expect(checkLock(defaultSchemaDir).unlocked).toEqual([]);
  });

  it('fails on an edited released schema', () => {
    const dir = copyOfRegistry();
    edit(path.join(dir, 'users/user-created.v1.json'), (s) => {
      (s.required as string[]).pop();
    });
    expect(checkLock(dir).changed).toEqual(['users/user-created.v1.json']);
  });

  it('fails on a removed released schema', () => {
    const dir = copyOfRegistry();
    fs.rmSync(path.join(dir, 'tasks/task-created.v1.json'));
    expect(checkLock(dir).missing).toEqual(['tasks/task-created.v1.json']);
  });

  it('ignores formatting and key order', () => {
    const dir = copyOfRegistry();
    edit(
      path.join(dir, 'users/user-updated.v1.json'),
      (s) => {
        const { title } = s;
        delete s.title;
        s.title = title;
      },
      0,
    );
    expect(checkLock(dir).changed).toEqual([]);
  });

  it('locks a new version file and never re-locks a changed one', () => {
    const dir = copyOfRegistry();
    const next = path.join(dir, 'users/user-updated.v2.json');
    fs.copyFileSync(path.join(dir, 'users/user-updated.v1.json'), next);
    edit(next, (s) => {
      s['x-event'] = { domain: 'users', type: 'user.updated', version: 2 };
    });
    edit(path.join(dir, 'users/user-created.v1.json'), (s) => {
      s.description = 'edited';
    });
    expect(checkLock(dir).unlocked).toEqual(['users/user-updated.v2.json']);
    const result = updateLock(dir);
    expect(result.added).toEqual(['users/user-updated.v2.json']);
    expect(result.changed).toEqual(['users/user-created.v1.json']);
    expect(checkLock(dir)).toEqual({ changed: ['users/user-created.v1.json'], missing: [], unlocked: [] });
  });
});
