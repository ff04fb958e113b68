// The operator's identity for talking to agents, configured once: --identity DIR, else $TURTLE_IDENTITY,
// else ~/.config/turtle/identity. The directory is what `turtle ca issue --role operator --out DIR` writes.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ExitCode, TurtleError } from '../lib/errors.js';
import { identityFiles } from '../pki/files.js';

export interface Identity {
  dir: string;
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  /** the certificate's CN and OU (its turtle role), for messages */
  name: string;
  role: string;
}

export function defaultIdentityDir(): string {
  return join(homedir(), '.config', 'turtle', 'identity');
}

/** Where the identity is looked for, and what said so. */
export function identityDir(flag: string | undefined, env = process.env): { dir: string; from: string } {
  if (flag !== undefined) return { dir: flag, from: '--identity' };
  if (env.TURTLE_IDENTITY) return { dir: env.TURTLE_IDENTITY, from: '$TURTLE_IDENTITY' };
  return { dir: defaultIdentityDir(), from: 'the default location' };
}

export function loadIdentity(flag: string | undefined, site: string, env = process.env): Identity {
  const { dir, from } = identityDir(flag, env);
  const files = identityFiles(dir);
  const missing = (['cert', 'key', 'ca'] as const).filter((f) => !existsSync(files[f]));
  if (missing.length > 0) {
    throw new TurtleError(
      `site ${site} is reached through its agent, but there is no identity in ${dir} (${from}): ${missing.map((f) => `${f}.pem`).join(', ')} missing`,
      {
        exitCode: ExitCode.invalid,
        hint: `issue an operator certificate once: turtle ca issue --role operator --name <you> --out ${defaultIdentityDir()} (or pass --identity DIR, or set TURTLE_IDENTITY)`,
      },
    );
  }
  const cert = readFileSync(files.cert);
  const subject = parseSubject(cert);
  return { dir, cert, key: readFileSync(files.key), ca: readFileSync(files.ca), name: subject.CN ?? '?', role: subject.OU ?? '?' };
}

function parseSubject(pem: Buffer): Record<string, string> {
  try {
    const subject = new X509Certificate(pem).subject;
    return Object.fromEntries(subject.split('\n').map((l) => l.split('=', 2) as [string, string]));
  } catch {
    return {};
  }
}
