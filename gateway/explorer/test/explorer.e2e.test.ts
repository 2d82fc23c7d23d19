import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startSystem, type TestSystem } from '@ates/e2e';
import { repoRoot } from '@ates/service-kit';
import { ops, waitFor, type GraphQLClient } from '@ates/testing';
import { ensureExplorerBuilt } from '../build.ts';

/**
 * The explorer in a real headless Chromium against the real system: Debian's `chromium`
 * driven by playwright-core (which never downloads a browser). Nothing may come from another
 * host, so every request and socket the page opens is recorded and checked.
 */
const CHROMIUM = process.env.ATES_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'test-results/explorer');
const CreateTask = ops.CreateTaskDocument;

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const RESPONSE = '.graphiql-response .CodeMirror';

let system: TestSystem;
let admin: GraphQLClient;
let context: BrowserContext;
let page: Page;
let base: string;
const workDirs: string[] = [];
const requests: string[] = [];
const consoleErrors: string[] = [];

function tempDir(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  workDirs.push(dir);
  return dir;
}

// The page's globals, typed just enough for page.evaluate (the repo's tsconfig has no DOM lib).
interface CodeMirrorHost {
  CodeMirror: { getValue(): string; setValue(value: string): void };
}
interface PageGlobals {
  document: { querySelector(selector: string): unknown };
}

/** Replaces the active tab's document with one named operation, and waits until GraphiQL has parsed it. */
async function setQuery(query: string) {
  const name = /^(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1];
  if (!name) throw new Error(`name the operation: ${query}`);
  await page.evaluate(
    ({ selector, query }) => {
      const { document } = globalThis as unknown as PageGlobals;
      (document.querySelector(selector) as CodeMirrorHost).CodeMirror.setValue(query);
    },
    { selector: QUERY_EDITOR, query },
  );
  // The tab takes the operation's name once GraphiQL has parsed the document (debounced): run
  // earlier and it would send the previous operation name.
  await page.waitForSelector(`.graphiql-tab-active >> text="${name}"`);
}

function response(): Promise<string> {
  return page.evaluate((selector) => {
    const { document } = globalThis as unknown as PageGlobals;
    const host = document.querySelector(selector) as CodeMirrorHost | null;
    return host?.CodeMirror.getValue() ?? '';
  }, RESPONSE);
}

async function waitForResponse(what: string, check: (text: string) => boolean, timeoutMs = 10_000) {
  let last = '';
  try {
    await waitFor(what, async () => check((last = await response())), timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; the result pane shows:\n${last}`);
  }
}

const run = () => page.click('.graphiql-execute-button');
const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the explorer's browser test needs Debian's chromium ` +
        '(`apt-get install -y chromium`, as .ci/run does) or ATES_CHROMIUM pointing at a Chromium binary.',
    );
  // CI builds dist/ before the tests; locally it is rebuilt here when older than its sources.
  const explorerDir = await ensureExplorerBuilt();
  system = await startSystem('explorer', { seed: 11, explorerDir });
  admin = await system.admin();
  base = system.gateway.url.replace(/\/graphql$/, '');
  fs.mkdirSync(SHOTS, { recursive: true });
  context = await chromium.launchPersistentContext(tempDir('ates-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: { width: 1400, height: 860 },
  });
  context.on('request', (request) => requests.push(request.url()));
  page = context.pages()[0] ?? (await context.newPage());
  page.on('websocket', (socket) => requests.push(socket.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
}, 120_000);

afterAll(async () => {
  await context?.close();
  await system?.stop();
  for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the GraphQL explorer in headless Chromium', () => {
  it('loads from the gateway for a browser asking GET /graphql, and fetches the schema', async () => {
    await page.goto(`${base}/graphql`);
    await page.waitForSelector(QUERY_EDITOR);
    // The schema arrived (introspection passes the gateway's depth limit): the docs list Query.
    await page.click('[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer >> text=Query');
    await shot('1-loaded');
    await page.click('[aria-label="Hide Documentation Explorer"]');
    // The same page at /explorer, for links and bookmarks.
    const atMount = await fetch(`${base}/explorer`);
    expect(atMount.headers.get('content-type')).toMatch(/text\/html/);
    expect(await atMount.text()).toContain('src="/explorer/assets/main-');
  });

  it('logs in with the logIn mutation, uses the token it returned and runs a query with it', async () => {
    await setQuery(
      `mutation AdminLogIn { logIn(login: "admin", password: "admin-password-1") { token user { login } } }`,
    );
    await run();
    await waitForResponse('the logIn result', (text) => text.includes('"token"'));
    await shot('2-log-in');
    await page.click('#ates-use-token');
    await page.waitForSelector('#ates-token-status >> text=ADMIN');

    await setQuery('query Me { me { login role } }');
    await run();
    await waitForResponse('me', (text) => text.includes('"login": "admin"'));
    expect(JSON.parse(await response())).toEqual({ data: { me: { login: 'admin', role: 'ADMIN' } } });
    await shot('3-query');
  });

  it("shows a subscription event: a worker's pasted token, myTasks, a task assigned to them", async () => {
    const login = `explorer${Date.now().toString(36)}`;
    const { createUser: worker } = await admin.ok(ops.CreateUserDocument, {
      input: {
        login,
        password: 'popug-password-1',
        role: 'WORKER',
        name: 'Explorer Popug',
        email: `${login}@ates.test`,
      },
    });
    const workerClient = await system.logIn(login, 'popug-password-1');
    await system.settle();
    await page.fill('#ates-token', `Bearer ${workerClient.token}`);
    await page.waitForSelector('#ates-token-status >> text=WORKER');

    await setQuery('subscription OnMyTasks { myTasks { kind task { title assignee { login } } } }');
    await run();
    await waitFor('the tasks subgraph to listen', () => system.tasks.liveStats().listeners === 1);
    let title = '';
    for (let i = 0; i < 40 && !title; i++) {
      const { createTask } = await admin.ok<{ createTask: { title: string; assignee: { id: string } } }>(
        CreateTask,
        { input: { title: `Seen in the explorer ${i}`, description: '' } },
      );
      if (createTask.assignee.id === worker.id) title = createTask.title;
    }
    expect(title, 'no task landed on the worker').not.toBe('');
    await waitForResponse('the subscription event', (text) => text.includes(title));
    expect(await response()).toContain(`"login": "${login}"`);
    await shot('4-subscription');

    // Stopping it in the page releases everything upstream.
    await run();
    await waitFor(
      'the subscription to be released',
      () => system.tasks.liveStats().listeners === 0 && system.gateway.liveStats().upstreams === 0,
    );
  });

  it('made no request to any host but the gateway, and logged no errors', () => {
    expect(requests.length).toBeGreaterThan(3);
    const foreign = requests.filter((url) => {
      const { protocol, hostname } = new URL(url);
      if (protocol === 'data:' || protocol === 'blob:') return false;
      return hostname !== '127.0.0.1' && hostname !== 'localhost';
    });
    expect(foreign).toEqual([]);
    expect(requests.some((url) => url.startsWith('ws://127.0.0.1'))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  // After the check above: the refused HTTP request is logged to the console.
  it('shows a refused token as an error, not a hang', async () => {
    await page.fill('#ates-token', 'not-a-token');
    await page.waitForSelector('#ates-token-status >> text=not a JWT');
    await setQuery('subscription OnMyTasks { myTasks { kind } }');
    await run();
    await waitForResponse('the socket to be refused', (text) => /Socket closed with event 44\d\d/.test(text));
    await setQuery('query Me { me { login } }');
    await run();
    await waitForResponse('the query to be refused', (text) => text.includes('UNAUTHENTICATED'));
    await shot('5-refused-token');
  });
});
