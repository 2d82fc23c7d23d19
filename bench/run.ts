/**
 * `pnpm bench [suite …] [--list] [--doc-only]`: runs the benchmarks one after another (all
 * of them by default) and rewrites docs/performance.md from bench/results/*.json.
 * Not part of `pnpm test`: a full run takes a while and wants a quiet machine.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writePerformanceDoc } from './lib/performance-doc.ts';
import { SUITES } from './suites.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { list: { type: 'boolean', default: false }, 'doc-only': { type: 'boolean', default: false } },
});

if (values.list) {
  for (const suite of SUITES) console.log(`${suite.name.padEnd(14)} ${suite.description}`);
  process.exit(0);
}

const unknown = positionals.filter((name) => !SUITES.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
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
