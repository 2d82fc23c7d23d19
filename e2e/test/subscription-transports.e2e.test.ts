import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { Agent } from 'undici';
import { connectWs, ops, signRawToken, waitFor, type GraphQLClient, type WsConnection } from '@ates/testing';
import type { GatewayService } from '@ates/gateway';
import { hire, type Popug } from '../src/company.ts';
import { startGatewayBeside, startSystem, type TestSystem } from '../src/system.ts';

const OnMyAccount = print(ops.OnMyAccountDocument);
const OnMyTasks = print(ops.OnMyTasksDocument);

interface MyAccountEvent {
  myAccount: { id: string; balance: string; transactions: { nodes: Array<{ task: { id: string } | null }> } };
}

let system: TestSystem;
let admin: GraphQLClient;
let kesha: Popug;
const closers: Array<() => unknown> = [];
// The clients' own connection pool: after an aborted stream undici keeps a spare connection
// open, which would hold the gateway's shutdown for its drain time; destroyed before the stop.
const agent = new Agent();
const fetchHere: typeof fetch = (input, init) => fetch(input, { ...init, dispatcher: agent } as RequestInit);

beforeAll(async () => {
  system = await startSystem('transports', { seed: 11 });
  admin = await system.admin();
  [kesha] = (await hire(system, ['WORKER'])) as [Popug];
});
afterAll(async () => {
  for (const close of closers) await close();
  await agent.destroy();
  await system?.stop();
});

/** What a subscriber received, whatever its client: results as they arrive, and how it ended. */
interface Received {
  results: Array<{
    data?: unknown;
    errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
  }>;
  ended: Promise<unknown>;
  stop(): void;
}

function receive(iterator: AsyncIterableIterator<Received['results'][number]>): Received {
  const results: Received['results'] = [];
  const ended = (async () => {
    try {
      for await (const result of iterator) results.push(result);
      return undefined;
    } catch (error) {
      return error;
    }
  })();
  return { results, ended, stop: () => void iterator.return?.() };
}

function sseClient(
  token: string | undefined,
  singleConnection: boolean,
  url = system.gateway.url,
): SseClient {
  const client = createSseClient({
    url,
    singleConnection,
    retryAttempts: 0,
    fetchFn: fetchHere,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  closers.push(() => client.dispose());
  return client;
}

function overSse(token: string | undefined, query: string, singleConnection = false, url?: string): Received {
  return receive(sseClient(token, singleConnection, url).iterate({ query }));
}

/** Apollo Client's own HttpLink: multipart subscriptions, as a web or React Native app sends them. */
function overMultipart(token: string | undefined, url = system.gateway.url): Received {
  const apollo = new ApolloClient({
    link: new HttpLink({
      uri: url,
      fetch: fetchHere,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }),
    cache: new InMemoryCache(),
  });
  const results: Received['results'] = [];
  let settle: (value: unknown) => void = () => {};
  const ended = new Promise((resolve) => (settle = resolve));
  const subscription = apollo
    .subscribe({ query: ops.OnMyAccountDocument, fetchPolicy: 'no-cache' })
    .subscribe({
      next: (result) =>
        results.push(
          result.error
            ? { errors: [{ message: result.error.message, extensions: errorExtensions(result.error) }] }
            : { data: result.data },
        ),
      error: (error: unknown) => settle(error),
      complete: () => settle(undefined),
    });
  const stop = () => {
    subscription.unsubscribe();
    apollo.stop();
  };
  closers.push(stop);
  return { results, ended, stop };
}

/** The extensions of the first GraphQL or protocol error Apollo Client reports. */
function errorExtensions(error: unknown): Record<string, unknown> | undefined {
  const e = error as { errors?: Array<{ extensions?: Record<string, unknown> }> };
  return e.errors?.[0]?.extensions;
}

function overWs(token: string, query: string): { conn: WsConnection; received: Received } {
  const conn = connectWs(system.gateway.url, token);
  closers.push(() => conn.dispose());
  const results: Received['results'] = [];
  const ended = conn.subscribe(query).then(async (sub) => {
    for (;;) {
      results.push(await sub.next(60_000));
    }
  });
  return { conn, received: { results, ended, stop: () => void conn.dispose() } };
}

/** Creates tasks until one lands on `popug` (assignment is random); returns its id. */
async function taskFor(popug: Popug, title: string): Promise<string> {
  for (let i = 0; i < 40; i++) {
    const { createTask } = await admin.ok(ops.CreateTaskDocument, {
      input: { title: `${title} ${i}`, description: '' },
    });
    if (createTask.assignee.id === popug.id) return createTask.id;
  }
  throw new Error('no task landed on the popug');
}

const accountingListeners = () => system.accounting.liveStats().listeners;
const nothingOpen = () =>
  waitFor(
    'every stream and upstream to close',
    () =>
      system.gateway.liveStats().upstreams === 0 &&
      system.gateway.liveStats().streams === 0 &&
      system.gateway.liveStats().streamSlots === 0 &&
      accountingListeners() === 0,
  );

const balanceAfter = (received: Received, taskId: string) =>
  received.results
    .map((r) => r.data as MyAccountEvent | undefined)
    .find((d) => d?.myAccount.transactions.nodes[0]?.task?.id === taskId)?.myAccount.balance;

describe('one federated subscription, three transports', () => {
  it('delivers one live balance update to a graphql-ws, an SSE (both modes) and a multipart subscriber', async () => {
    const ws = overWs(kesha.client.token!, OnMyAccount);
    // graphql-ws acknowledges no subscription: the upstream it opens says it is there.
    await waitFor('the graphql-ws subscription upstream', () => accountingListeners() === 1);
    const distinct = overSse(kesha.client.token, OnMyAccount);
    const single = overSse(kesha.client.token, OnMyAccount, true);
    const multipart = overMultipart(kesha.client.token);
    const all = { 'graphql-ws': ws.received, 'SSE distinct': distinct, 'SSE single': single, multipart };
    // Three over HTTP, the single-connection stream's reservation a fourth slot.
    await waitFor('the HTTP subscriptions', () => system.gateway.liveStats().streamSlots === 4);
    expect(system.gateway.liveStats().streams).toBe(3);
    // Sharing spans transports: the same text over ws and SSE is one upstream; Apollo Client
    // adds __typename to every selection, so its document is another.
    expect(system.gateway.liveStats().upstreams).toBe(2);

    const taskId = await taskFor(kesha, 'Seen on every transport');
    await waitFor('the update on every transport', () =>
      Object.values(all).every((r) => balanceAfter(r, taskId) !== undefined),
    );
    const balances = Object.entries(all).map(([name, r]) => [name, balanceAfter(r, taskId)]);
    const balance = (await kesha.client.ok(ops.MyAccountDocument)).myAccount?.balance;
    expect(balance).toMatch(/^-?\d+\.\d{2}$/);
    expect(Object.fromEntries(balances)).toEqual({
      'graphql-ws': balance,
      'SSE distinct': balance,
      'SSE single': balance,
      multipart: balance,
    });

    for (const r of Object.values(all)) r.stop();
    await nothingOpen();
  });
});

describe('the same guards on SSE and multipart as on graphql-ws', () => {
  const post = (accept: string, body: unknown, token?: string, to?: { url?: string; signal?: AbortSignal }) =>
    fetchHere(to?.url ?? system.gateway.url, {
      method: 'POST',
      ...(to?.signal ? { signal: to.signal } : {}),
      headers: {
        accept,
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
  const SSE = 'text/event-stream';
  const MULTIPART = 'multipart/mixed;subscriptionSpec=1.0, application/json';

  it('refuses a caller without a valid token with UNAUTHENTICATED before any stream opens', async () => {
    for (const accept of [SSE, MULTIPART])
      for (const token of [undefined, 'not-a-token']) {
        const res = await post(accept, { query: OnMyAccount }, token);
        expect(res.status, `${accept} ${token}`).toBe(401);
        expect(
          ((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions
            .code,
        ).toBe('UNAUTHENTICATED');
      }
    const refused = overSse(undefined, OnMyAccount);
    expect(String(await refused.ended)).toMatch(/401/);
    const single = overSse(undefined, OnMyAccount, true);
    expect(String(await single.ended)).toMatch(/401/);
    const apollo = overMultipart(undefined);
    await apollo.ended;
    expect(apollo.results[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it("leaves to Apollo a query whose Accept lists event streams after JSON (urql's header)", async () => {
    const urqlAccept =
      'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';
    const res = await post(urqlAccept, { query: '{ me { id } }' }, kesha.client.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: { id: kesha.id } } });
  });

  it('serves subscriptions only: a query or a mutation as a stream is refused', async () => {
    for (const accept of [SSE, MULTIPART]) {
      const res = await post(accept, { query: '{ me { id } }' }, kesha.client.token);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
      const invalid = await post(accept, { query: 'subscription { nope }' }, kesha.client.token);
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({
        errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
      });
    }
  });

  it('caps the streams of one user and releases the slot when a stream ends', async () => {
    const capped = await startGatewayBeside(system, 'gateway-capped', {
      streams: { maxStreamsPerViewer: 2 },
    });
    closers.push(() => capped.stop());
    const open = [
      overSse(kesha.client.token, OnMyTasks, false, capped.url),
      overMultipart(kesha.client.token, capped.url),
    ];
    await waitFor('two streams', () => capped.liveStats().streams === 2);
    const third = overSse(kesha.client.token, OnMyTasks, true, capped.url);
    expect(String(await third.ended)).toMatch(/429/);
    const res = await post(MULTIPART, { query: OnMyTasks }, kesha.client.token, { url: capped.url });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }] });
    open[0]!.stop();
    await waitFor('a slot to free', () => capped.liveStats().streams === 1);
    const again = overSse(kesha.client.token, OnMyTasks, false, capped.url);
    await waitFor('the new stream', () => capped.liveStats().streams === 2);
    again.stop();
    open[1]!.stop();
    await waitFor('the capped gateway to release everything', () => liveZero(capped));
  });

  it('refuses an untrusted document under trusted documents, and serves a trusted one', async () => {
    const strict = await startGatewayBeside(system, 'gateway-trusted', {
      trustedDocuments: { mode: 'only' },
    });
    closers.push(() => strict.stop());
    const res = await fetchHere(strict.url, {
      method: 'POST',
      headers: {
        accept: SSE,
        'content-type': 'application/json',
        authorization: `Bearer ${kesha.client.token}`,
      },
      body: JSON.stringify({ query: 'subscription Mine { myAccount { id balance } }' }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      errors: [{ extensions: { code: 'FORBIDDEN', reason: 'UNTRUSTED_DOCUMENT' } }],
    });
    const trusted = overMultipart(kesha.client.token, strict.url);
    await waitFor('the trusted subscription upstream', () => strict.liveStats().upstreams === 1);
    expect(trusted.results).toEqual([]);
    trusted.stop();
    await waitFor('the trusted gateway to release everything', () => liveZero(strict));
  });

  it('ends SSE and multipart streams with UNAUTHENTICATED when the token is revoked', async () => {
    const [popug] = (await hire(system, ['ACCOUNTANT'])) as [Popug];
    const distinct = overSse(popug.client.token, OnMyTasks);
    const single = overSse(popug.client.token, OnMyTasks, true);
    const multipart = overMultipart(popug.client.token);
    await waitFor('the three subscriptions', () => system.gateway.liveStats().streamSlots === 4);
    await admin.ok(ops.ChangeRoleDocument, { userId: popug.id, role: 'WORKER' });
    for (const [name, r] of Object.entries({ distinct, single, multipart })) {
      await r.ended;
      expect(r.results.at(-1)?.errors?.[0]?.extensions, name).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    await nothingOpen();
  });

  it('ends a stream with UNAUTHENTICATED when its token expires', async () => {
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await signRawToken(
      system.keys.privateKeyPem,
      { role: 'WORKER' },
      { issuedAt: now, expiresAt: now + 2, subject: kesha.id },
    );
    const sse = overSse(shortLived, OnMyTasks);
    const multipart = overMultipart(shortLived);
    for (const [name, r] of Object.entries({ sse, multipart })) {
      await r.ended;
      expect(r.results.at(-1)?.errors?.[0], name).toMatchObject({
        message: 'Token expired: log in again',
        extensions: { code: 'UNAUTHENTICATED' },
      });
    }
    await nothingOpen();
  });

  it("keeps a reserved single-connection stream its owner's: another user's token gets 404", async () => {
    const [gosha] = (await hire(system, ['WORKER'])) as [Popug];
    const as = (popug: Popug, method: string, headers: Record<string, string> = {}, body?: unknown) =>
      fetchHere(system.gateway.url, {
        method,
        headers: { authorization: `Bearer ${popug.client.token}`, ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const reserved = await as(kesha, 'PUT');
    expect(reserved.status).toBe(201);
    const token = await reserved.text();
    const stream = { 'x-graphql-event-stream-token': token };
    const theirs = await as(gosha, 'GET', { ...stream, accept: 'text/event-stream' });
    expect(theirs.status).toBe(404);
    const op = { query: OnMyTasks, extensions: { operationId: '1' } };
    expect((await as(gosha, 'POST', { ...stream, 'content-type': 'application/json' }, op)).status).toBe(404);
    // The owner reads it: the library's keep-alive comment is the first byte, before any event.
    const abort = new AbortController();
    const mine = await fetchHere(system.gateway.url, {
      headers: { authorization: `Bearer ${kesha.client.token}`, accept: 'text/event-stream', ...stream },
      signal: abort.signal,
    });
    expect(mine.status).toBe(200);
    expect(new TextDecoder().decode((await mine.body!.getReader().read()).value)).toBe(':\n\n');
    abort.abort();
    await nothingOpen();
  });

  it('releases the upstream when the client goes away mid-stream', async () => {
    const abort = new AbortController();
    const res = await post(MULTIPART, { query: OnMyTasks }, kesha.client.token, { signal: abort.signal });
    expect(res.headers.get('content-type')).toBe('multipart/mixed; boundary="graphql"; subscriptionSpec=1.0');
    const reader = res.body!.getReader();
    // The first part is a heartbeat, written at once (the first byte does not wait for an event).
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('{}');
    await waitFor('the upstream', () => system.gateway.liveStats().upstreams === 1);
    abort.abort();
    await nothingOpen();
  });

  it('sends multipart heartbeats at the configured interval', async () => {
    const fast = await startGatewayBeside(system, 'gateway-heartbeat', { streams: { heartbeatMs: 100 } });
    closers.push(() => fast.stop());
    const abort = new AbortController();
    const res = await post(MULTIPART, { query: OnMyTasks }, kesha.client.token, {
      url: fast.url,
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/\r\n\r\n\{\}\r\n--graphql/g) ?? []).length < 3)
      text += new TextDecoder().decode((await reader.read()).value);
    expect(text.startsWith('\r\n--graphql\r\ncontent-type: application/json')).toBe(true);
    abort.abort();
    await waitFor('the heartbeat gateway to release everything', () => liveZero(fast));
  });
});

const liveZero = (gateway: GatewayService) =>
  gateway.liveStats().streams === 0 &&
  gateway.liveStats().streamSlots === 0 &&
  gateway.liveStats().upstreams === 0;
