import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochMs } from '@ates/service-kit';
import {
  connectWs,
  errorCodes,
  GraphQLClient,
  ops,
  signRawToken,
  testNatsUrl,
  waitFor,
  type WsConnection,
} from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { startGatewayBeside, startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;
let admin: GraphQLClient;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  system = await startSystem('tokens');
  admin = await system.admin();
});
afterAll(async () => {
  for (const socket of sockets) await socket.dispose();
  await system?.stop();
});

/** A fresh log-in through the gateway: its access token, refresh token and expiry. */
async function session(popug: { login: string; password: string }) {
  const { logIn } = await system.client.ok(ops.LogInDocument, popug);
  return { ...logIn, client: system.client.withToken(logIn.token) };
}

const refresh = (refreshToken: string) => system.client.request(ops.RefreshTokenDocument, { refreshToken });
const subgraphs = () => [system.users.url, system.tasks.url, system.accounting.url, system.analytics.url];

describe('access and refresh tokens', () => {
  it('hands out an access token of at most 15 minutes and a refresh token with each log-in', async () => {
    const [popug] = (await hire(system, ['WORKER'])) as [Popug];
    const started = epochMs();
    const s = await session(popug);
    const answered = epochMs();
    const expiresAt = new Date(s.expiresAt as string).getTime();
    // Issued while the request ran (iat in whole seconds): at most 15 minutes from then.
    expect(expiresAt - answered).toBeLessThanOrEqual(15 * 60_000);
    expect(expiresAt - started).toBeGreaterThan(14 * 60_000);
    expect(s.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await s.client.ok(ops.MeDocument)).me?.login).toBe(popug.login);
  });

  it('rotates the refresh token on each use, and a reused one revokes its whole session', async () => {
    const [popug] = (await hire(system, ['WORKER'])) as [Popug];
    const first = await session(popug);
    const other = await session(popug);
    const second = (await refresh(first.refreshToken)).data?.refreshToken;
    expect(second?.user.login).toBe(popug.login);
    expect(second?.refreshToken).not.toBe(first.refreshToken);
    expect((await system.client.withToken(second?.token).ok(ops.MeDocument)).me?.id).toBe(popug.id);
    const third = (await refresh(second!.refreshToken)).data?.refreshToken;
    expect(third?.refreshToken).toBeDefined();

    // The first token again: someone kept a copy. Refused, and the session's live token dies too.
    expect(errorCodes(await refresh(first.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await refresh(third!.refreshToken))).toEqual(['UNAUTHENTICATED']);
    // Another log-in of the same user is another session: untouched.
    expect((await refresh(other.refreshToken)).data?.refreshToken.user.id).toBe(popug.id);
    const metrics = await (await fetch(new URL('/metrics', system.users.url))).text();
    expect(
      Number(/ates_refresh_token_reuse_total(?:\{[^}]*\})? (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(1);
  });

  it('lets two parallel exchanges of one refresh token through at most once', async () => {
    const [popug] = (await hire(system, ['WORKER'])) as [Popug];
    const s = await session(popug);
    const results = await Promise.all([refresh(s.refreshToken), refresh(s.refreshToken)]);
    expect(results.filter((r) => r.data?.refreshToken).length).toBeLessThanOrEqual(1);
    expect(results.some((r) => errorCodes(r)[0] === 'UNAUTHENTICATED')).toBe(true);
  });

  it('ends a session at log-out, and answers the same for a token it never issued', async () => {
    const [popug] = (await hire(system, ['WORKER'])) as [Popug];
    const s = await session(popug);
    expect((await system.client.ok(ops.LogOutDocument, { refreshToken: s.refreshToken })).logOut).toBe(true);
    expect(errorCodes(await refresh(s.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect((await system.client.ok(ops.LogOutDocument, { refreshToken: 'never-issued' })).logOut).toBe(true);
    expect(errorCodes(await refresh('x'.repeat(1000)))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('revocation', () => {
  it("refuses a demoted user's old access token within 5 s, closes their subscription and kills their refresh token", async () => {
    const [popug] = (await hire(system, ['ACCOUNTANT'])) as [Popug];
    const s = await session(popug);
    expect((await s.client.request(ops.UsersDocument, {})).data?.users.length).toBeGreaterThan(0);
    const socket = connectWs(system.gateway.url, s.token);
    sockets.push(socket);
    const upstreams = system.gateway.liveStats().upstreams;
    const live = await socket.subscribe(print(ops.OnMyTasksDocument));
    await waitFor(
      'the subscription to open upstream',
      () => system.gateway.liveStats().upstreams > upstreams,
    );

    const demotedAt = epochMs();
    await admin.ok(ops.ChangeRoleDocument, { userId: popug.id, role: 'WORKER' });

    await waitFor(
      'the gateway to refuse the old token',
      async () => errorCodes(await s.client.request(ops.MeDocument))[0] === 'UNAUTHENTICATED',
      5000,
    );
    const refusedAfter = epochMs() - demotedAt;
    expect(refusedAfter).toBeLessThan(5000);
    expect(await socket.closedWith).toEqual({ code: 4403, reason: 'Token revoked: log in again' });
    expect(epochMs() - demotedAt).toBeLessThan(5000);
    await live.ended;
    // Every subgraph that verifies tokens learnt it too, not only the gateway.
    for (const url of subgraphs())
      await waitFor(`${url} to refuse the old token`, async () =>
        errorCodes(await new GraphQLClient(url, s.token).request(ops.MeDocument)).includes('UNAUTHENTICATED'),
      );
    expect(errorCodes(await refresh(s.refreshToken))).toEqual(['UNAUTHENTICATED']);
    // Logging in again gives a token of the new role, which works everywhere.
    const again = await session(popug);
    expect(again.user.role).toBe('WORKER');
    expect(errorCodes(await again.client.request(ops.UsersDocument, {}))).toEqual(['FORBIDDEN']);
    expect((await again.client.ok(ops.MeDocument)).me?.role).toBe('WORKER');
  });

  it('is known to a gateway started after the revocation', async () => {
    const [popug] = (await hire(system, ['MANAGER'])) as [Popug];
    const s = await session(popug);
    await admin.ok(ops.ChangeRoleDocument, { userId: popug.id, role: 'WORKER' });
    await system.settle();
    const late = await startGatewayBeside(system, 'gateway-late', {
      natsUrl: testNatsUrl(),
      natsNamespace: system.namespace,
    });
    try {
      await waitFor('the late gateway to refuse the old token', async () =>
        errorCodes(await new GraphQLClient(late.url, s.token).request(ops.MeDocument)).includes(
          'UNAUTHENTICATED',
        ),
      );
    } finally {
      await late.stop();
    }
  });

  it('changing the password revokes every token of the user and starts a new session', async () => {
    const [popug] = (await hire(system, ['WORKER'])) as [Popug];
    const elsewhere = await session(popug);
    const here = await session(popug);
    const wrong = await here.client.request(ops.ChangePasswordDocument, {
      currentPassword: 'not-my-password',
      newPassword: 'a-new-password-2',
    });
    expect(errorCodes(wrong)).toEqual(['BAD_USER_INPUT']);
    expect(wrong.errors?.[0]?.extensions?.field).toBe('currentPassword');
    const changed = await here.client.ok(ops.ChangePasswordDocument, {
      currentPassword: popug.password,
      newPassword: 'a-new-password-2',
    });
    await waitFor(
      'the old access token to be refused',
      async () => errorCodes(await elsewhere.client.request(ops.MeDocument))[0] === 'UNAUTHENTICATED',
    );
    expect(errorCodes(await here.client.request(ops.MeDocument))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await refresh(elsewhere.refreshToken))).toEqual(['UNAUTHENTICATED']);
    const fresh = system.client.withToken(changed.changePassword.token);
    expect((await fresh.ok(ops.MeDocument)).me?.id).toBe(popug.id);
    expect((await refresh(changed.changePassword.refreshToken)).data?.refreshToken.user.id).toBe(popug.id);
    const oldPassword = await system.client.request(ops.LogInDocument, popug);
    expect(errorCodes(oldPassword)).toEqual(['UNAUTHENTICATED']);
    await session({ login: popug.login, password: 'a-new-password-2' });
  });
});

describe('proving the current password', () => {
  it('is throttled like log-in: a stolen access token buys no unlimited guesses', async () => {
    const [popug] = (await hire(system, ['WORKER'])) as [Popug];
    const guess = () =>
      popug.client.request(ops.ChangePasswordDocument, {
        currentPassword: 'a-guess-at-it',
        newPassword: 'a-new-password-3',
      });
    for (let i = 0; i < 10; i++) expect(errorCodes(await guess())).toEqual(['BAD_USER_INPUT']);
    const limited = await guess();
    expect(errorCodes(limited)).toEqual(['RATE_LIMITED']);
    expect(limited.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe('malformed tokens', () => {
  it('are UNAUTHENTICATED at the gateway and at every subgraph, never a 500', async () => {
    const [popug] = (await hire(system, ['WORKER'])) as [Popug];
    const now = Math.floor(Date.now() / 1000);
    const sign = (
      claims: Record<string, unknown>,
      times: { iat?: number | null; exp?: number | null },
      sub?: string,
    ) =>
      signRawToken(system.keys.privateKeyPem, claims, {
        issuedAt: times.iat === undefined ? now : times.iat,
        expiresAt: times.exp === undefined ? now + 600 : times.exp,
        ...(sub === undefined ? {} : { subject: sub }),
      });
    const tokens = {
      'no exp': await sign({ role: 'WORKER' }, { exp: null }, popug.id),
      'no iat': await sign({ role: 'WORKER' }, { iat: null }, popug.id),
      'no sub': await sign({ role: 'WORKER' }, {}),
      'sub not a UUID': await sign({ role: 'WORKER' }, {}, 'kesha'),
      'unknown role': await sign({ role: 'OVERLORD' }, {}, popug.id),
      'no role': await sign({}, {}, popug.id),
      'lives 12 h': await sign({ role: 'WORKER' }, { exp: now + 12 * 3600 }, popug.id),
      'gen not a number': await sign({ role: 'WORKER', gen: 'x' }, {}, popug.id),
    };
    expect(
      errorCodes(
        await system.client.withToken(await sign({ role: 'WORKER' }, {}, popug.id)).request(ops.MeDocument),
      ),
    ).toEqual([]);
    for (const [what, token] of Object.entries(tokens)) {
      for (const url of [system.gateway.url, ...subgraphs()]) {
        const res = await new GraphQLClient(url, token).request(ops.MeDocument);
        expect(errorCodes(res), `${what} at ${url}`).toEqual(['UNAUTHENTICATED']);
        expect(res.status, `${what} at ${url}`).toBe(401);
      }
      const socket = connectWs(system.gateway.url, token);
      sockets.push(socket);
      expect(await socket.closed, what).toBe(4403);
    }
    const unknownUser = await sign({ role: 'ADMIN' }, {}, randomUUID());
    expect((await new GraphQLClient(system.gateway.url, unknownUser).request(ops.MeDocument)).status).toBe(
      200,
    );
  });
});

describe('password hashes', () => {
  /** A hash as an older release stored it: scrypt at other parameters, which it carries. */
  const oldHash = (password: string, log2N: number, p: number) => {
    const salt = randomBytes(16);
    const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 2 ** log2N, r: 8, p });
    return ['scrypt', log2N, 8, p, salt.toString('base64'), key.toString('base64')].join('$');
  };
  /** drizzle's postgres.js client under the users service's database (typed by hand here). */
  const raw = () =>
    (
      system.users.deps.db as unknown as {
        $client: <T>(s: TemplateStringsArray, ...v: unknown[]) => Promise<T>;
      }
    ).$client;
  const storedHash = async (id: string) => {
    const [row] = await raw()<
      Array<{ password_hash: string }>
    >`select password_hash from users where id = ${id}`;
    return row?.password_hash ?? '';
  };

  it('are upgraded to the configured parameters at the next successful log-in, transparently', async () => {
    const [a, b] = (await hire(system, ['WORKER', 'WORKER'])) as [Popug, Popug];
    const cost = system.users.deps.passwordCost;
    for (const [popug, hash] of [
      [a, oldHash(a.password, 10, 1)],
      [b, oldHash(b.password, cost, 2)],
    ] as const) {
      await raw()`update users set password_hash = ${hash} where id = ${popug.id}`;
      expect(
        errorCodes(await system.client.request(ops.LogInDocument, { ...popug, password: 'wrong-one' })),
      ).toEqual(['UNAUTHENTICATED']);
      expect(await storedHash(popug.id)).toBe(hash);
      await session(popug);
      const upgraded = await storedHash(popug.id);
      expect(upgraded).toMatch(new RegExp(`^scrypt\\$${cost}\\$8\\$1\\$`));
      await session(popug);
      expect(await storedHash(popug.id)).toBe(upgraded);
    }
  });
});
