import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signClientAddress } from '@ates/service-kit';
import type { GatewayService } from '@ates/gateway';
import { errorCodes, GraphQLClient, ops } from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { startGatewayBeside, startSystem, type TestSystem } from '../src/system.ts';

const POLICY = { windowMs: 60_000, perLoginAddress: 5, perAddress: 30, perLogin: 20, loginDelayMs: 1000 };

let system: TestSystem;
let popugs: Popug[];
/** A gateway that trusts no proxy: every request of this test process comes from 127.0.0.1. */
let untrusting: GatewayService;

beforeAll(async () => {
  // The test process stands in for a trusted load balancer: X-Forwarded-For names the client.
  system = await startSystem('throttle', { throttle: POLICY, trustedProxies: ['loopback'] });
  popugs = await hire(system, ['WORKER', 'WORKER', 'WORKER', 'WORKER', 'WORKER']);
  untrusting = await startGatewayBeside(system, 'gateway-untrusting', {
    limits: { maxDepth: 12, maxFields: 1000, maxAliases: 50 },
    internalSecret: system.internalSecret,
  });
});
afterAll(async () => {
  await untrusting?.stop();
  await system?.stop();
});

const from = (address: string) => system.client.withHeaders({ 'x-forwarded-for': address });
const logIn = (client: GraphQLClient, login: string, password: string) =>
  client.request(ops.LogInDocument, { login, password });
const popug = (i: number) => popugs[i] as Popug;

describe('log-in throttling', () => {
  it('evaluates at most the limit of 40 parallel wrong attempts on one login from one address', async () => {
    const client = from('198.51.100.1');
    const results = await Promise.all(
      Array.from({ length: 40 }, () => logIn(client, popug(0).login, 'wrong-password')),
    );
    const codes = results.map((r) => errorCodes(r)[0]);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(POLICY.perLoginAddress);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(40 - POLICY.perLoginAddress);
    const limited = await logIn(client, popug(0).login.toUpperCase(), popug(0).password);
    expect(errorCodes(limited)).toEqual(['RATE_LIMITED']);
    expect(limited.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.data ?? null).toBeNull();
  });

  it('lets the real user in from another address after 100 failures from one address', async () => {
    const attacker = from('198.51.100.2');
    const results = await Promise.all(
      Array.from({ length: 100 }, () => logIn(attacker, popug(1).login, 'wrong-password')),
    );
    expect(results.every((r) => ['UNAUTHENTICATED', 'RATE_LIMITED'].includes(errorCodes(r)[0] ?? ''))).toBe(
      true,
    );
    const ok = await logIn(from('203.0.113.7'), popug(1).login, popug(1).password);
    expect(ok.data?.logIn.user.login).toBe(popug(1).login);
  });

  it('limits one address across many logins, and only that address', async () => {
    const sprayer = from('198.51.100.3');
    for (let i = 0; i < POLICY.perAddress; i++)
      expect(errorCodes(await logIn(sprayer, `nobody${i}`, 'wrong-password'))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await logIn(sprayer, popug(2).login, popug(2).password))).toEqual(['RATE_LIMITED']);
    const ok = await logIn(from('203.0.113.8'), popug(2).login, popug(2).password);
    expect(ok.data?.logIn.user.login).toBe(popug(2).login);
  });

  it('delays, never locks, a login failed from many addresses', async () => {
    const login = popug(3).login;
    for (let a = 0; a < POLICY.perLogin / POLICY.perLoginAddress; a++)
      for (let i = 0; i < POLICY.perLoginAddress; i++)
        expect(errorCodes(await logIn(from(`192.0.2.${a + 1}`), login, 'wrong-password'))).toEqual([
          'UNAUTHENTICATED',
        ]);
    const delayed = await logIn(from('203.0.113.9'), login, popug(3).password);
    expect(errorCodes(delayed)).toEqual(['RATE_LIMITED']);
    const retryAfter = delayed.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    const ok = await logIn(from('203.0.113.9'), login, popug(3).password);
    expect(ok.data?.logIn.user.login).toBe(login);
  });

  it('counts a spoofed X-Forwarded-For or client-address header against the real peer', async () => {
    const login = popug(4).login;
    const direct = new GraphQLClient(system.users.url);
    const spoofs = [
      new GraphQLClient(untrusting.url).withHeaders({ 'x-forwarded-for': '10.9.9.1' }),
      new GraphQLClient(untrusting.url).withHeaders({ 'x-forwarded-for': '10.9.9.2, 10.9.9.3' }),
      direct.withHeaders({ 'x-forwarded-for': '10.9.9.4' }),
      direct.withHeaders({
        'x-ates-client-address': signClientAddress('not-the-secret', '10.9.9.5', Date.now()),
      }),
      direct.withHeaders({ 'x-ates-client-address': 'v1;0;10.9.9.6;forged' }),
    ];
    for (const client of spoofs)
      expect(errorCodes(await logIn(client, login, 'wrong-password'))).toEqual(['UNAUTHENTICATED']);
    // Five failures, all from 127.0.0.1 whatever the headers said: that address is closed.
    const spoofed = new GraphQLClient(untrusting.url).withHeaders({ 'x-forwarded-for': '10.9.9.7' });
    expect(errorCodes(await logIn(spoofed, login, popug(4).password))).toEqual(['RATE_LIMITED']);
    // The gateway's own signature with the real secret is believed.
    const vouched = direct.withHeaders({
      'x-ates-client-address': signClientAddress(system.internalSecret, '203.0.113.10', Date.now()),
    });
    expect((await logIn(vouched, login, popug(4).password)).data?.logIn.user.login).toBe(login);
  });

  it('closes the per-address limit on the real peer however X-Forwarded-For varies across logins', async () => {
    // Runs after the test above: 127.0.0.1 already has failures; fill it up to the limit.
    const spoofed = (i: number) =>
      new GraphQLClient(untrusting.url).withHeaders({ 'x-forwarded-for': `10.8.${i >> 8}.${i & 255}` });
    const codes: string[] = [];
    for (let i = 0; i < POLICY.perAddress; i++)
      codes.push(String(errorCodes(await logIn(spoofed(i), `spray${i}`, 'wrong-password'))[0]));
    expect(codes).toContain('RATE_LIMITED');
    // Every later attempt from that peer, whatever it claims, waits: the address is closed.
    expect(errorCodes(await logIn(spoofed(999), popug(2).login, popug(2).password))).toEqual([
      'RATE_LIMITED',
    ]);
    // The real user, from their own address through the trusted proxy, is not locked out.
    const ok = await logIn(from('203.0.113.11'), popug(2).login, popug(2).password);
    expect(ok.data?.logIn.user.login).toBe(popug(2).login);
  });

  it('counts lockouts and refusals in the users service metrics', async () => {
    const text = await (await fetch(new URL('/metrics', system.users.url))).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    expect(
      value(/ates_login_lockouts_total\{[^}]*scope="login_address"[^}]*\} (\d+)/),
    ).toBeGreaterThanOrEqual(3);
    expect(value(/ates_login_lockouts_total\{[^}]*scope="address"[^}]*\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(
      value(/ates_login_attempts_total\{[^}]*outcome="rate_limited"[^}]*\} (\d+)/),
    ).toBeGreaterThanOrEqual(35);
  });
});
