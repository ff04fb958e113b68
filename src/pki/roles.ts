// Who a certificate speaks for. The role is the certificate's subject OU, set by `turtle ca issue`
// and read back from the peer certificate of every mutual-TLS connection.

export const ROLES = ['operator', 'observer', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** What each role may do on an agent's API: operators change things, observers (and agents) only read. */
export function mayWrite(role: Role): boolean {
  return role === 'operator';
}

/** Names become file names and certificate subjects: keep them plain. */
export const IDENTITY_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
