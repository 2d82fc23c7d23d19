import { rateLimited, unauthenticated } from '@ates/service-kit';
import { burnPasswordCheck, needsRehash, hashPassword, verifyPassword } from '../domain/password.ts';
import {
  countAttempt,
  decideAttempt,
  limitOf,
  throttleKeys,
  type ThrottleDecision,
} from '../domain/login-throttle.ts';
import { lockCounters, saveCounter, takeBackAttempt } from '../db/login-failures.ts';
import { findUserByLogin, updatePasswordHash } from '../db/user-repository.ts';
import { checkCredentials } from '../domain/user-input.ts';
import type { UsersDeps } from './deps.ts';
import type { UserRow } from '../db/schema.ts';
import { issueTokens, type AuthResult } from './tokens.ts';

/**
 * One message for unknown login and wrong password, and the same work for both. Each attempt
 * is counted under the counters' row locks BEFORE its password is checked, so parallel
 * attempts cannot all slip under the limit; a success takes its count back. Past a limit,
 * log-in is refused with RATE_LIMITED (and `retryAfterSeconds`) without checking the password.
 */
export async function logIn(
  deps: UsersDeps,
  login: string,
  password: string,
  clientAddress?: string,
): Promise<AuthResult> {
  const user = await checkPassword(deps, login, password, clientAddress);
  return issueTokens(deps, user, deps.clock.now());
}

/**
 * The user with this login and password, under the log-in throttle (also for proving the
 * current password elsewhere: a stolen access token must not buy unthrottled guesses).
 */
export async function checkPassword(
  deps: UsersDeps,
  login: string,
  password: string,
  clientAddress?: string,
): Promise<UserRow> {
  checkCredentials(login, password);
  const { throttle } = deps;
  const keys = throttleKeys(login, clientAddress);
  const now = deps.clock.now();
  const counted = new Map<string, number>();
  const decision: ThrottleDecision = await deps.db.transaction(async (tx) => {
    const counts = await lockCounters(
      tx,
      keys.map((k) => k.key),
      now,
    );
    const withCounts = keys.map((k) => ({ ...k, count: counts.get(k.key) }));
    const verdict = decideAttempt(withCounts, throttle, now);
    if (!verdict.allowed) return verdict;
    for (const k of withCounts) {
      const next = countAttempt(k.count, throttle, now);
      counted.set(k.key, next.failures);
      await saveCounter(tx, k.key, next);
    }
    return verdict;
  });
  if (!decision.allowed) {
    deps.audit.attempt('rate_limited');
    throw rateLimited(
      `Too many failed log-ins: try again in ${decision.retryAfterSeconds} s`,
      decision.retryAfterSeconds,
    );
  }

  const user = await findUserByLogin(deps.db, login);
  const valid = user
    ? await verifyPassword(password, user.passwordHash)
    : await burnPasswordCheck(password, deps.passwordCost);
  if (!user || !valid) {
    deps.audit.attempt('failure');
    for (const k of keys) {
      // This failure closed the counter: the attempts after it wait (OWASP: log lockouts).
      if (counted.get(k.key) === limitOf(k.scope, throttle)) {
        deps.audit.lockout(k.scope);
        deps.logger.warn(
          { scope: k.scope, login: login.slice(0, 64), clientAddress },
          'log-in throttled: too many failed attempts',
        );
      }
    }
    throw unauthenticated('Invalid login or password');
  }
  deps.audit.attempt('success');
  await takeBackAttempt(
    deps.db,
    keys.map((k) => k.key),
    keys.find((k) => k.scope === 'login_address')?.key,
  );
  if (needsRehash(user.passwordHash, deps.passwordCost)) {
    // Hashes made at an older cost are upgraded while the password is at hand.
    const upgraded = await hashPassword(password, deps.passwordCost);
    await updatePasswordHash(deps.db, user.id, user.passwordHash, upgraded);
    return { ...user, passwordHash: upgraded };
  }
  return user;
}
