// The X.509 work node:crypto cannot do (signing certificates and CRLs), through @peculiar/x509 on
// node's WebCrypto. ECDSA P-256 keeps keys small and handshakes cheap on routers.
import 'reflect-metadata';
import { KeyObject, createPrivateKey, webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export type KeyPair = CryptoKeyPair;

export async function generateKeys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as unknown as KeyPair;
}

export async function privateKeyPem(keys: KeyPair): Promise<string> {
  return KeyObject.from(keys.privateKey as unknown as webcrypto.CryptoKey).export({ type: 'pkcs8', format: 'pem' }).toString();
}

export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return (await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign'])) as unknown as CryptoKey;
}

/** 16 random bytes, positive (leading bit clear), as hex: unique without a counter to keep in sync. */
export function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

export { x509 };
