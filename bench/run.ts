/**
 * `pnpm bench [suite …] [--list] [--doc-only]`: runs the benchmarks one after another (all
 * of them by default) and rewrites docs/performance.md from bench/results/*.json.
 * Not part of `pnpm test`: a full run takes a while and wants a quiet machine.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseCli, usageError } from '@ates/service-kit/cli';
import { writePerformanceDoc } from './lib/performance-doc.ts';
import { SUITES } from './suites.ts';

const { values, positionals } = parseCli('pnpm bench', {
  usage: `Usage: pnpm bench [suite …] [options]

Runs the benchmarks (all suites, or those named) one after another and rewrites
docs/performance.md from bench/results/*.json. Wants a quiet machine.

Suites:
${SUITES.map((s) => `  ${s.name.padEnd(14)} ${s.description}`).join('\n')}

Options:
  --list       list the suites and exit
  --doc-only   only rewrite docs/performance.md from the stored results
  -h, --help   this text`,
  allowPositionals: true,
  options: { list: { type: 'boolean', default: false }, 'doc-only': { type: 'boolean', default: false } },
});

if (values.list) {
  for (const suite of SUITES) console.log(`${suite.name.padEnd(14)} ${suite.description}`);
  process.exit(0);
}

const unknown = positionals.filter((name) => !SUITES.some((s) => s.name === name));
if (unknown.length > 0)
  usageError(
    'pnpm bench',
    `unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`,
  );
const selected = positionals.length > 0 ? SUITES.filter((s) => positionals.includes(s.name)) : SUITES;

function run(script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, script)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_COMMAND: `pnpm bench ${positionals.join(' ')}`.trim() },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const failed: string[] = [];
if (!values['doc-only']) {
  for (const suite of selected) {
    console.log(`\n━━ ${suite.name}: ${suite.description}`);
    const started = performance.now();
    const code = await run(suite.script);
    console.log(
      `━━ ${suite.name} ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    if (code !== 0) failed.push(suite.name);
  }
}
const doc = await writePerformanceDoc();
console.log(`\n→ ${path.relative(process.cwd(), doc)}`);
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
