import { rateLimited, unauthenticated } from '@ates/service-kit';
import { burnPasswordCheck, verifyPassword } from '../domain/password.ts';
import { retryAfterSeconds } from '../domain/login-throttle.ts';
import { clearFailures, failureCounts, recordFailure } from '../db/login-failures.ts';
import { findUserByLogin } from '../db/user-repository.ts';
import type { UsersDeps } from './deps.ts';
import type { AuthResult } from './sign-up.ts';

/**
 * One message for unknown login and wrong password, and the same work for both. Failed
 * attempts are counted per login and per client address; past the limit, log-in is refused
 * with RATE_LIMITED (and `retryAfterSeconds`) without checking the password at all.
 */
export async function logIn(
  deps: UsersDeps,
  login: string,
  password: string,
  clientAddress?: string,
): Promise<AuthResult> {
  const { throttle } = deps;
  const loginKey = `login:${login.trim().toLowerCase()}`;
  const keys = clientAddress ? [loginKey, `addr:${clientAddress}`] : [loginKey];
  const now = deps.clock.now();
  const counts = await failureCounts(deps.db, keys);
  const wait = Math.max(
    retryAfterSeconds(counts.get(loginKey), throttle.perLogin, throttle.windowMs, now),
    clientAddress
      ? retryAfterSeconds(counts.get(`addr:${clientAddress}`), throttle.perAddress, throttle.windowMs, now)
      : 0,
  );
  if (wait > 0) throw rateLimited(`Too many failed log-ins: try again in ${wait} s`, wait);

  const user = await findUserByLogin(deps.db, login);
  const valid = user
    ? await verifyPassword(password, user.passwordHash)
    : await burnPasswordCheck(password, deps.passwordCost);
  if (!user || !valid) {
    await recordFailure(deps.db, keys, now, throttle.windowMs);
    throw unauthenticated('Invalid login or password');
  }
  await clearFailures(deps.db, loginKey);
  const token = await deps.signer.sign({ userId: user.id, role: user.role }, now);
  return { token, user };
}
