import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';

export interface KeyFiles {
  privateKeyPath: string;
  publicKeyPath: string;
}

export function devKeyFiles(dataDir: string): KeyFiles {
  const dir = path.join(dataDir, 'keys');
  return {
    privateKeyPath: path.join(dir, 'jwt-private.pem'),
    publicKeyPath: path.join(dir, 'jwt-public.pem'),
  };
}

/**
 * Development keys, made once under the data directory. Safe when several processes race:
 * the pair is written to a temporary directory and renamed into place atomically.
 */
export function ensureDevKeys(dataDir: string): KeyFiles {
  const files = devKeyFiles(dataDir);
  if (fs.existsSync(files.publicKeyPath) && fs.existsSync(files.privateKeyPath)) return files;
  const dir = path.dirname(files.publicKeyPath);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(dir), '.keys-'));
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  fs.writeFileSync(path.join(tmp, 'jwt-private.pem'), privateKey, { mode: 0o600 });
  fs.writeFileSync(path.join(tmp, 'jwt-public.pem'), publicKey);
  try {
    fs.renameSync(tmp, dir);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Another process won the race; its keys are as good as ours.
    if (!fs.existsSync(files.publicKeyPath)) throw error;
  }
  return files;
}
