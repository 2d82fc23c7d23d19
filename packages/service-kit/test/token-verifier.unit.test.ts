import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { TokenSigner, TokenVerifier } from '../src/auth.ts';
import { DomainError } from '../src/errors.ts';

function keyPair() {
  return generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

describe('TokenVerifier', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a token it verified before the same way, and refuses it once it expires', async () => {
    const { publicKey, privateKey } = keyPair();
    const signer = await TokenSigner.fromPem(privateKey, 60);
    const verifier = await TokenVerifier.fromPem(publicKey);
    const now = new Date();
    const token = await signer.sign({ userId: 'u1', role: 'WORKER' }, now);

    const first = await verifier.verify(token);
    const again = await verifier.verify(token);
    expect(again).toEqual(first);
    expect(again).toMatchObject({ userId: 'u1', role: 'WORKER' });
    // Callers get their own object: changing one answer cannot change the next.
    again.role = 'ADMIN';
    expect((await verifier.verify(token)).role).toBe('WORKER');

    vi.useFakeTimers({ now: first.expiresAt!.getTime() });
    expect(await codeOf(verifier.verify(token))).toBe('UNAUTHENTICATED');
  });

  it('still refuses a token signed by another key, every time', async () => {
    const verifier = await TokenVerifier.fromPem(keyPair().publicKey);
    const forged = await (
      await TokenSigner.fromPem(keyPair().privateKey, 60)
    ).sign({ userId: 'u1', role: 'ADMIN' }, new Date());
    expect(await codeOf(verifier.verify(forged))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verifier.verify(forged))).toBe('UNAUTHENTICATED');
  });
});
