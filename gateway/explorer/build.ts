/**
 * Bundles the explorer into dist/: index.html plus hashed assets under /explorer/assets/,
 * everything (CSS, fonts) inside the bundle, so the page works on a machine without internet.
 * The build fails if the output would load anything from another host.
 *
 *   pnpm --filter @ates/explorer build
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the gateway mounts the bundle (gateway/src/service.ts). */
export const MOUNT = '/explorer/';

/**
 * Only this origin, for everything. `unsafe-inline` styles: CodeMirror and GraphiQL's popovers
 * position themselves with style attributes. `ws:`/`wss:`: subscriptions to the same gateway
 * (older Safari does not match WebSocket URLs against 'self').
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export interface BuildReport {
  outDir: string;
  files: { file: string; bytes: number; gzipBytes: number }[];
  totalBytes: number;
  totalGzipBytes: number;
}

export async function buildExplorer(outDir = path.join(here, 'dist')): Promise<BuildReport> {
  // Build next to the target and swap it in, so a running gateway never serves half a bundle.
  const staging = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: here,
      entryPoints: { main: 'src/main.tsx' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['es2022', 'chrome111', 'firefox115', 'safari16.4'],
      minify: true,
      sourcemap: 'linked',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      outdir: staging,
      entryNames: 'assets/[name]-[hash]',
      assetNames: 'assets/[name]-[hash]',
      publicPath: MOUNT,
      metafile: true,
      legalComments: 'linked',
      logLevel: 'warning',
    });
    const entry = Object.entries(result.metafile.outputs).find(([, out]) => out.entryPoint);
    if (!entry?.[1].cssBundle) throw new Error('esbuild produced no JS entry with a CSS bundle');
    const url = (file: string) =>
      MOUNT + path.relative(staging, path.join(here, file)).split(path.sep).join('/');
    const html = fs
      .readFileSync(path.join(here, 'src/index.html'), 'utf8')
      .replace('%CSP%', CSP)
      .replace('%CSS%', url(entry[1].cssBundle))
      .replace('%JS%', url(entry[0]));
    fs.writeFileSync(path.join(staging, 'index.html'), html);

    const problems = findRemoteLoads(staging);
    if (problems.length > 0)
      throw new Error(`the bundle would load from the internet:\n  ${problems.join('\n  ')}`);

    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(staging, outDir);
    return report(outDir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** The built dist/, rebuilt first when it is missing or older than its sources (or this script). */
export async function ensureExplorerBuilt(outDir = path.join(here, 'dist')): Promise<string> {
  const index = path.join(outDir, 'index.html');
  const sources = [path.join(here, 'build.ts'), ...listFiles(path.join(here, 'src'))];
  const newest = Math.max(...sources.map((file) => fs.statSync(file).mtimeMs));
  if (!fs.existsSync(index) || fs.statSync(index).mtimeMs < newest) await buildExplorer(outDir);
  return outDir;
}

const REMOTE = /^(?:[a-z][a-z0-9+.-]*:)?\/\//i;
const CDN_HOSTS =
  /\b(?:unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com|esm\.sh|cdn\.skypack\.dev|ga\.jspm\.io|[a-z0-9-]+\.cdn\.apollographql\.com)\b/i;
const REMOTE_ASSET =
  /\b(?:https?:)?\/\/[^\s"'`)]+\.(?:m?js|css|woff2?|ttf|otf|eot|wasm)(?:[?#][^\s"'`)]*)?["'`)]/gi;

/**
 * Every place in the output that would fetch a script, style, font or other resource from
 * another host: HTML src/href attributes, CSS url() and @import, and remote resource URLs or
 * CDN hosts in scripts (which could be injected at run time). Links in comments and error
 * messages are harmless and not reported; the browser test backs this up by recording every
 * request the page makes.
 */
export function findRemoteLoads(dir: string): string[] {
  const problems: string[] = [];
  for (const file of listFiles(dir)) {
    const rel = path.relative(dir, file);
    const ext = path.extname(file);
    if (!['.html', '.css', '.js', '.mjs'].includes(ext)) continue;
    const text = fs.readFileSync(file, 'utf8');
    if (ext === '.html') {
      for (const m of text.matchAll(/\b(?:src|href|srcset|poster|data|action)\s*=\s*["']([^"']*)["']/gi))
        if (REMOTE.test(m[1]!.trim())) problems.push(`${rel}: ${m[0]}`);
    }
    if (ext === '.css' || ext === '.html') {
      for (const m of text.matchAll(/url\(\s*["']?([^"')]*)/gi))
        if (REMOTE.test(m[1]!.trim())) problems.push(`${rel}: url(${m[1]})`);
      for (const m of text.matchAll(/@import\s+(?:url\()?\s*["']?([^"');\s]+)/gi))
        if (REMOTE.test(m[1]!)) problems.push(`${rel}: @import ${m[1]}`);
    }
    if (ext === '.js' || ext === '.mjs' || ext === '.html') {
      for (const m of text.matchAll(REMOTE_ASSET)) problems.push(`${rel}: ${m[0].slice(0, -1)}`);
      const cdn = CDN_HOSTS.exec(text);
      if (cdn) problems.push(`${rel}: mentions ${cdn[0]}`);
    }
  }
  return problems;
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function report(outDir: string): BuildReport {
  const files = listFiles(outDir)
    .filter((f) => !f.endsWith('.map') && !f.endsWith('.LEGAL.txt'))
    .map((f) => {
      const content = fs.readFileSync(f);
      return { file: path.relative(outDir, f), bytes: content.length, gzipBytes: gzipSync(content).length };
    });
  const sum = (key: 'bytes' | 'gzipBytes') => files.reduce((n, f) => n + f[key], 0);
  return { outDir, files, totalBytes: sum('bytes'), totalGzipBytes: sum('gzipBytes') };
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = Date.now();
  const built = await buildExplorer();
  for (const f of built.files) console.log(`  ${f.file}  ${kib(f.bytes)} (${kib(f.gzipBytes)} gzipped)`);
  console.log(
    `explorer built in ${Date.now() - started} ms: ${kib(built.totalBytes)}, ` +
      `${kib(built.totalGzipBytes)} gzipped → ${path.relative(process.cwd(), built.outDir) || '.'}`,
  );
}
