import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findRemoteLoads } from '../build.ts';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function bundle(files: Record<string, string>): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-remote-loads-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('the explorer build refuses a bundle that loads from the internet', () => {
  it('passes local assets, data: URLs and links that are only text', () => {
    const out = bundle({
      'index.html':
        '<link rel="icon" href="data:,"><script type="module" src="/explorer/assets/main-AB12CD34.js"></script>',
      'assets/main.css':
        '@font-face{src:url(data:font/woff2;base64,AAAA)} .x{background:url("/explorer/assets/a.png")}',
      'assets/main.js':
        'throw Error("see https://react.dev/errors/"+e);const ns="http://www.w3.org/2000/svg";',
    });
    expect(findRemoteLoads(out)).toEqual([]);
  });

  it('finds remote scripts and styles in HTML, fonts and imports in CSS, and CDN assets in scripts', () => {
    const out = bundle({
      'index.html':
        '<script src="https://unpkg.com/graphiql/graphiql.min.js"></script><link href="//fonts.example/x.css" rel="stylesheet">',
      'assets/main.css':
        '@import url("https://fonts.googleapis.com/css2?family=Roboto");@font-face{src:url(https://cdn.example/f.woff2)}',
      'assets/main.js':
        'const s=document.createElement("script");s.src="https://cdn.example.org/lib/x.min.js";',
    });
    const problems = findRemoteLoads(out);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('index.html: src="https://unpkg.com/graphiql/graphiql.min.js"'),
        expect.stringContaining('index.html: href="//fonts.example/x.css"'),
        expect.stringContaining('@import https://fonts.googleapis.com'),
        expect.stringContaining('url(https://cdn.example/f.woff2)'),
        expect.stringContaining('assets/main.js: https://cdn.example.org/lib/x.min.js'),
        expect.stringContaining('index.html: mentions unpkg.com'),
      ]),
    );
  });
});
