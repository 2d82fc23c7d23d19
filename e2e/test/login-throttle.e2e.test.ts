import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, ops } from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;
let kesha: Popug;
let gosha: Popug;

beforeAll(async () => {
  system = await startSystem('throttle', { throttle: { windowMs: 60_000, perLogin: 3, perAddress: 8 } });
  [kesha, gosha] = (await hire(system, ['WORKER', 'WORKER'])) as [Popug, Popug];
});
afterAll(async () => {
  await system?.stop();
});

const logIn = (login: string, password: string) =>
  system.client.request(ops.LogInDocument, { login, password });

describe('log-in throttling', () => {
  it('refuses a login with RATE_LIMITED after too many failures, even with the right password', async () => {
    for (let i = 0; i < 3; i++)
      expect(errorCodes(await logIn(kesha.login, 'wrong-password'))).toEqual(['UNAUTHENTICATED']);
    const limited = await logIn(kesha.login.toUpperCase(), kesha.password);
    expect(errorCodes(limited)).toEqual(['RATE_LIMITED']);
    expect(limited.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.data ?? null).toBeNull();
  });

  it('leaves other logins alone', async () => {
    const ok = await logIn(gosha.login, gosha.password);
    expect(ok.data?.logIn.user.login).toBe(gosha.login);
  });

  it('also limits failures from one client address across many logins', async () => {
    // 3 failures above plus these: the address reaches its limit of 8.
    for (let i = 0; i < 5; i++) await logIn(`nobody${i}`, 'wrong-password');
    expect(errorCodes(await logIn(gosha.login, gosha.password))).toEqual(['RATE_LIMITED']);
  });
});
