import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface StaticSites {
  /** The built web UI (ui/dist) at `/`. */
  uiDir?: string | undefined;
  /** The built explorer (gateway/explorer/dist) at `/explorer`. */
  explorerDir?: string | undefined;
}

/** A built single-page app's root, when it holds an `index.html`. */
const builtApp = (dir: string | undefined) =>
  dir && fs.existsSync(path.join(dir, 'index.html')) ? path.resolve(dir) : undefined;

/** Names with a content hash (`index-3f9a1c2b.js`) never change: cached for a year. */
const HASHED = /[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * The UI and the explorer through @fastify/static. Hashed assets are cached for a year,
 * `index.html` never; the app shell answers every other path without an extension (the apps
 * route by real paths, /accounting…), and a missing asset is a 404 (a stale bundle fails
 * loudly). `register` adds the files' routes; `notFound` does the shell fallback; `landingPage`
 * answers a browser's GET /graphql with the explorer, when there is one.
 */
export function staticSites(sites: StaticSites) {
  const ui = builtApp(sites.uiDir);
  const explorer = builtApp(sites.explorerDir);
  const common = {
    cacheControl: false,
    index: 'index.html',
    redirect: false,
    setHeaders: (reply: FastifyReply, file: string) => {
      reply.header('cache-control', HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('x-content-type-options', 'nosniff');
    },
  };
  const register = (app: FastifyInstance) => {
    // The first registration decorates the reply with sendFile (root given per call).
    if (ui) void app.register(fastifyStatic, { ...common, root: ui, prefix: '/' });
    if (explorer)
      void app.register(fastifyStatic, {
        ...common,
        root: explorer,
        prefix: '/explorer/',
        decorateReply: !ui,
      });
  };
  const shell = (reply: FastifyReply, root: string) =>
    reply
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .sendFile('index.html', root);

  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = request.url.split('?', 1)[0] ?? '/';
    const page = (request.method === 'GET' || request.method === 'HEAD') && path.extname(pathname) === '';
    if (page && explorer && (pathname === '/explorer' || pathname.startsWith('/explorer/')))
      return shell(reply, explorer);
    if (page && ui) return shell(reply, ui);
    return reply.code(404).send({ error: 'not found' });
  };
  const landingPage = explorer
    ? (_request: FastifyRequest, reply: FastifyReply) => shell(reply, explorer)
    : undefined;
  return { ui: Boolean(ui), explorer: Boolean(explorer), register, notFound, landingPage };
}
