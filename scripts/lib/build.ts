import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ALL_IN_ONE, distDir, services, TELEMETRY_ENTRY } from './services.ts';

export { distDir, distEntry } from './services.ts';
import { repoRoot } from './subgraphs.ts';

/** Operator commands built beside the services (`node dist/<name>.js --help`). */
const COMMANDS = [
  // Loaded before each service (`node --import ./dist/telemetry.js dist/<name>.js`): OpenTelemetry.
  { name: 'telemetry', entry: TELEMETRY_ENTRY },
  { name: 'events', entry: 'packages/events/src/cli/main.ts' },
  { name: 'analytics-rebuild', entry: 'subgraphs/analytics/src/rebuild/main.ts' },
  { name: 'healthcheck', entry: 'scripts/healthcheck.ts' },
  // Several services in one process: `pnpm start`'s default (scripts/start.ts).
  ALL_IN_ONE,
];

/**
 * Left out of the bundles and copied into dist/node_modules instead: OpenTelemetry's
 * GraphQL instrumentation patches `graphql` when it is loaded from node_modules, which it
 * cannot do to a bundled copy. Each must have no dependencies of its own.
 */
const EXTERNAL = [{ name: 'graphql', resolveFrom: 'gateway' }];

/**
 * A bundle's code runs from dist/, not from its source folder, so each workspace source's
 * `import.meta.dirname` (migrations, GraphQL schemas, event schemas, the repository root)
 * is rewritten to the source folder as seen from dist/. Every output file sits directly in
 * dist/ (chunks too), so one relative path is right wherever esbuild puts the code.
 */
function sourceDirnames(): esbuild.Plugin {
  return {
    name: 'ates-source-dirnames',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = fs.readFileSync(args.path, 'utf8');
        if (/import\.meta\.(url|filename|resolve)/.test(source))
          throw new Error(`${args.path}: only import.meta.dirname is rewritten for dist/; use that`);
        const fromDist = path.relative(distDir, path.dirname(args.path)).split(path.sep).join('/');
        const contents = source.replaceAll(
          'import.meta.dirname',
          `(import.meta.dirname + ${JSON.stringify(`/${fromDist}`)})`,
        );
        return { contents, loader: 'ts' };
      });
    },
  };
}

export interface BuildReport {
  entries: string[];
  files: number;
  bytes: number;
}

/**
 * Bundles every service, worker and operator command with esbuild into dist/ (shared code
 * split into chunks), so production runs `node dist/<name>.js` with no loader and no
 * node_modules beyond dist/node_modules. No type check here: that is `pnpm typecheck`.
 */
export async function buildServices(): Promise<BuildReport> {
  fs.rmSync(distDir, { recursive: true, force: true });
  const entryPoints: Record<string, string> = {};
  for (const spec of services()) entryPoints[spec.name] = path.join(repoRoot, spec.entry);
  for (const command of COMMANDS) entryPoints[command.name] = path.join(repoRoot, command.entry);

  const result = await esbuild.build({
    entryPoints,
    outdir: distDir,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    external: EXTERNAL.map((e) => e.name),
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __atesRequire } from 'node:module'; const require = __atesRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceDirnames()],
  });

  for (const external of EXTERNAL) {
    const fromPackage = createRequire(path.join(repoRoot, external.resolveFrom, 'package.json'));
    const manifest = fromPackage.resolve(`${external.name}/package.json`);
    const target = path.join(distDir, 'node_modules', external.name);
    fs.cpSync(path.dirname(fs.realpathSync(manifest)), target, { recursive: true, dereference: true });
    const deps = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { dependencies?: object }).dependencies;
    if (deps && Object.keys(deps).length > 0) throw new Error(`${external.name} has dependencies: bundle it`);
  }
  // dist/ is an ES module scope of its own wherever it is copied (the image has no root manifest).
  fs.writeFileSync(
    path.join(distDir, 'package.json'),
    `${JSON.stringify({ type: 'module', private: true })}\n`,
  );

  const outputs = Object.values(result.metafile.outputs);
  return {
    entries: Object.keys(entryPoints),
    files: outputs.length,
    bytes: outputs.reduce((sum, o) => sum + o.bytes, 0),
  };
}

/** Besides dist/, what the services read at run time, relative to the repository root. */
export function runtimeFiles(): string[] {
  const files = [
    'dist',
    'schema/supergraph.graphql',
    'schema/trusted-documents',
    'schema/events',
    'ui/dist',
    'gateway/explorer/dist',
  ];
  for (const dir of services().map((s) => s.entry.replace(/\/src\/.*$/, ''))) {
    for (const name of ['drizzle', 'schema.graphql']) files.push(path.posix.join(dir, name));
  }
  return [...new Set(files)].filter((file) => fs.existsSync(path.join(repoRoot, file)));
}

/**
 * Copies a runnable aTES to `target` (the image's runtime stage, or a folder to measure):
 * the build and the files it reads, no sources, no node_modules but dist's own.
 */
export function copyRuntime(target: string): void {
  fs.rmSync(target, { recursive: true, force: true });
  for (const file of runtimeFiles())
    fs.cpSync(path.join(repoRoot, file), path.join(target, file), { recursive: true, dereference: true });
}
