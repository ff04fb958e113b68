// Who a certificate speaks for. The role is the certificate's subject OU, set by `turtle ca issue`
// and read back from the peer certificate of every mutual-TLS connection.
//
// operator: changes things. observer: reads, without env values. peer: one site calling another, only on
// the routes made for it. agent: an agent's server identity, never accepted as a client (one router's key
// must not read every other site).

export const ROLES = ['operator', 'observer', 'peer', 'agent'] as const;
export type Role = (typeof ROLES)[number];
/** the roles an agent's or the observer's API accepts from a client */
export type ClientRole = Exclude<Role, 'agent'>;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Operators may change things; every other role only reads what its routes allow. */
export function mayWrite(role: Role): boolean {
  return role === 'operator';
}

/** Only operators see env values (and, later, secrets' references): every other role gets them hidden. */
export function seesEnv(role: Role): boolean {
  return role === 'operator';
}

/** Names become file names and certificate subjects: keep them plain. */
export const IDENTITY_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
