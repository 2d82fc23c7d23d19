import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds relative paths in tracked files that lead out of the repository: the project must
 * build, test and document itself from a bare clone, with nothing beside it.
 */

export interface Escape {
  /** `file:line` relative to the repository root */
  where: string;
  path: string;
  resolved: string;
}

/**
 * Files whose relative paths are written for another directory than their own: codegen's
 * mapper paths are copied into subgraphs/<name>/src/generated/*.ts.
 */
const BASE_DIRS: Record<string, string> = {
  'codegen.ts': 'subgraphs/users/src/generated',
};

/** Tracked files never read as text (the lockfile's `link:../` entries stay inside the workspace). */
const SKIP = /(^|\/)pnpm-lock\.yaml$|\.(png|jpe?g|gif|ico|webp|woff2?|gz|zip|pdf)$/;

// `..` starting a path segment (not inside a word, `1..5` or `...`), then its segments.
const RELATIVE = /(?<![\w.…-])\.\.(?:\/[\w@+.-]*)*(?![\w.])/g;

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Every relative path in `text` (the content of `file`, relative to `root`) that resolves above
 * `root`. A path is resolved from the file's directory; one that names nothing there is also
 * resolved from the root, as `path.resolve(repoRoot, …)` would.
 */
export function escapesIn(root: string, file: string, text: string): Escape[] {
  const baseDir = BASE_DIRS[file];
  const base = path.join(root, baseDir ?? path.dirname(file));
  const found: Escape[] = [];
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(RELATIVE)) {
      const relative = match[0];
      const fromFile = path.resolve(base, relative);
      const fromRoot = path.resolve(root, relative);
      const resolved = !isInside(root, fromFile)
        ? fromFile
        : !baseDir && !fs.existsSync(fromFile) && !isInside(root, fromRoot)
          ? fromRoot
          : undefined;
      if (resolved) found.push({ where: `${file}:${index + 1}`, path: relative, resolved });
    }
  });
  return found;
}

/** The escapes of every file `git ls-files` lists in `root`. */
export function trackedEscapes(root: string): Escape[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && !SKIP.test(f) && fs.existsSync(path.join(root, f)));
  return files.flatMap((file) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    return text.includes('..') ? escapesIn(root, file, text) : [];
  });
}

// A Markdown link or image target: `[text](target)` / `![alt](target "title")`.
const LINK = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

/** Links of tracked Markdown files that lead to no file or folder inside the repository. */
export function brokenLinks(root: string): string[] {
  const files = execFileSync('git', ['ls-files', '-z', '*.md'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  return files.flatMap((file) =>
    fs
      .readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .flatMap((line, index) =>
        [...line.matchAll(LINK)]
          .map((m) => m[1]!)
          .filter((target) => !/^([a-z][a-z+.-]*:|#)/i.test(target))
          .filter((target) => {
            const resolved = path.resolve(root, path.dirname(file), decodeURI(target.split('#')[0]!));
            return !isInside(root, resolved) || !fs.existsSync(resolved);
          })
          .map((target) => `${file}:${index + 1}: ${target}`),
      ),
  );
}
