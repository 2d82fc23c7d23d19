/**
 * `pnpm build`: bundles every service and worker into `dist/<name>.js` (run one with
 * `node dist/gateway.js`, or all of them with `pnpm start --prod`), then
 * builds the web UI and the explorer the gateway serves.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseCli } from '@ates/service-kit/cli';
import { buildServices, copyRuntime } from './lib/build.ts';
import { BUNDLES } from './lib/builds.ts';
import { repoRoot } from './lib/subgraphs.ts';

const { values } = parseCli('pnpm build', {
  usage: `Usage: pnpm build [--services-only] [--out <dir>]

Bundles every service, worker and operator command into dist/<name>.js and builds the web UI and
the explorer (ui/dist, gateway/explorer/dist).

Options:
  --services-only   skip the browser bundles
  --out <dir>       also copy what production runs (dist/, the browser bundles, schemas,
                    migrations; no sources, no node_modules) to <dir>: the image's runtime
  -h, --help        this text`,
  options: { 'services-only': { type: 'boolean', default: false }, out: { type: 'string' } },
});

const started = performance.now();
const report = await buildServices();
console.log(
  `dist/: ${report.entries.join(', ')} (${report.files} files, ${(report.bytes / 1024 / 1024).toFixed(1)} MiB) ` +
    `in ${(performance.now() - started).toFixed(0)} ms`,
);
if (!values['services-only']) {
  for (const bundle of BUNDLES) {
    const result = spawnSync('pnpm', ['--filter', bundle.filter, 'build'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
if (values.out) {
  copyRuntime(path.resolve(values.out));
  console.log(`runtime files copied to ${values.out}`);
}
