// Where an identity's files live. Kept apart from the CA code so the agent, which only reads these files,
// never loads the X.509 library (about 7 MB of a router's memory).
import { join } from 'node:path';

export interface IdentityFiles {
  cert: string;
  key: string;
  ca: string;
  crl: string;
}

export function identityFiles(dir: string): IdentityFiles {
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem'), crl: join(dir, 'crl.pem') };
}
