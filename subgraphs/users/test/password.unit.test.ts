import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, OWASP_SCRYPT_LOG2N, verifyPassword } from '../src/domain/password.ts';

describe('password hashes', () => {
  it('are salted: the same password hashes differently, and both verify', async () => {
    const a = await hashPassword('correct horse', 10);
    const b = await hashPassword('correct horse', 10);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horse', b)).toBe(true);
  });

  it('refuse a wrong password and a malformed stored hash', async () => {
    const hash = await hashPassword('correct horse', 10);
    expect(await verifyPassword('Correct horse', hash)).toBe(false);
    expect(await verifyPassword('correct horse', 'md5$abc')).toBe(false);
  });

  it('carry their cost, so hashes of an older cost still verify', async () => {
    const hash = await hashPassword('pw-123456', 11);
    expect(hash.split('$')[1]).toBe('11');
    expect(await verifyPassword('pw-123456', hash)).toBe(true);
  });

  it('default to OWASP scrypt parameters, and say when a stored hash needs a rehash', async () => {
    expect(OWASP_SCRYPT_LOG2N).toBe(17);
    const old = await hashPassword('pw-123456', 11);
    expect(needsRehash(old, 17)).toBe(true);
    expect(needsRehash(old, 11)).toBe(false);
    expect(needsRehash('scrypt$17$8$2$salt$hash', 17)).toBe(true);
  });
});
