import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Slow salted hashes with scrypt. The stored string carries its parameters
 * (`scrypt$<log2N>$<r>$<p>$<salt>$<hash>`), so raising the cost later keeps old hashes valid.
 */
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function params(log2N: number, r: number, p: number): ScryptOptions {
  const N = 2 ** log2N;
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

/** OWASP's password storage cheat sheet: scrypt with N=2^17, r=8, p=1. */
export const OWASP_SCRYPT_LOG2N = 17;

export async function hashPassword(password: string, log2N = OWASP_SCRYPT_LOG2N): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params(log2N, 8, 1));
  return ['scrypt', log2N, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, log2N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !log2N || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(
    password,
    Buffer.from(salt, 'base64'),
    params(Number(log2N), Number(r), Number(p)),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Whether a stored hash was made with other parameters than new hashes get now (rehash it). */
export function needsRehash(stored: string, log2N: number): boolean {
  const [scheme, storedLog2N, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(storedLog2N) !== log2N || r !== '8' || p !== '1';
}

/** Spent on unknown logins so that response time does not reveal which logins exist. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string, log2N: number): Promise<void> {
  dummyHash ??= hashPassword('not-a-real-password', log2N);
  await verifyPassword(password, await dummyHash);
}
