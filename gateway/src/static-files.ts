import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticSite {
  /** Serves a file under `root` for GET/HEAD; false when it is not this site's to answer. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean;
}

/**
 * A built single-page app under `root` (e.g. ui/dist), mounted at `mount`. Hashed assets are
 * cached for a year; `index.html` never, and it answers every other path of the app, since the
 * app routes by real paths (/accounting, …). Nothing outside `root` is ever read.
 */
export function staticSite(root: string, mount = '/'): StaticSite | undefined {
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index)) return undefined;
  const resolvedRoot = path.resolve(root);
  return {
    serve(req, res, pathname) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (!pathname.startsWith(mount)) return false;
      const relative = decodeURIComponent(pathname.slice(mount.length)).replace(/^\/+/, '');
      const candidate = path.resolve(resolvedRoot, relative);
      const inside = candidate === resolvedRoot || candidate.startsWith(resolvedRoot + path.sep);
      let file = index;
      if (inside && relative !== '' && fs.existsSync(candidate) && fs.statSync(candidate).isFile())
        file = candidate;
      else if (path.extname(relative) !== '') {
        // A missing asset is a 404, not the app shell (a stale bundle should fail loudly).
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found');
        return true;
      }
      const immutable = file !== index && /[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(file);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
      return true;
    },
  };
}
