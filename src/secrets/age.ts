// age (age-encryption.org/v1) for turtle's secrets: X25519 identities, one per site, and armored files that
// Debian's `age` CLI reads and writes too. Only this file knows the library.
import { chmod, readFile } from 'node:fs/promises';
import { createOnce } from '../lib/files.js';
import { Decrypter, Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { TurtleError, ExitCode, errorMessage } from '../lib/errors.js';

export const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

/** The value, encrypted to `recipient` (an `age1…` public key), as an armored age file. */
export async function seal(value: string, recipient: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return armor.encode(await e.encrypt(value));
}

/** Opens an armored age file with `identity` (`AGE-SECRET-KEY-1…`); a file for another key says so. */
export async function unseal(sealed: string, identity: string): Promise<string> {
  const d = new Decrypter();
  d.addIdentity(identity);
  let bytes: Uint8Array;
  try {
    bytes = armor.decode(sealed);
  } catch (err) {
    throw new TurtleError(`it is not an armored age file (${errorMessage(err)})`, { exitCode: ExitCode.invalid });
  }
  try {
    return await d.decrypt(bytes, 'text');
  } catch (err) {
    const message = errorMessage(err);
    throw new TurtleError(/no identity matched/i.test(message) ? 'it was encrypted to another recipient, not to this site\'s key' : `it cannot be decrypted (${message})`, { exitCode: ExitCode.invalid });
  }
}

export interface AgeKey {
  identity: string;
  recipient: string;
}

/**
 * The key kept at `path` (0600, in age's own identity file format), made there on first use. A file that
 * is not an age identity is an error, never replaced: the secrets sealed to it would be lost.
 */
export async function loadOrCreateKey(path: string): Promise<AgeKey> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new TurtleError(`${path} cannot be read: ${errorMessage(err)}`, { hint: 'it holds the key this site\'s secrets are encrypted to: fix its permissions' });
  }
  if (text !== undefined) {
    const identity = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
    if (!identity?.startsWith('AGE-SECRET-KEY-1')) {
      throw new TurtleError(`${path} is not an age identity (expected a line AGE-SECRET-KEY-1…)`, { exitCode: ExitCode.invalid, hint: 'restore it from a backup; turtle does not replace it, or every secret sealed to it would be lost' });
    }
    await chmod(path, 0o600).catch(() => undefined);
    return { identity, recipient: await identityToRecipient(identity) };
  }
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  // never over a key another process made meanwhile: then that one is the site's
  if (!createOnce(path, `# turtle: the key this site's secrets are encrypted to (public key: ${recipient})\n${identity}\n`, 0o600, 0o700)) return loadOrCreateKey(path);
  return { identity, recipient };
}
