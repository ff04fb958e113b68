export { initCa, issueCert, revokeCert, readIssued, crlPath, revokedSerials, normaliseSerial, identityFiles } from './ca.js';
export type { IssuedCert, IssueOptions, IdentityFiles } from './ca.js';
export { ROLES, isRole, mayWrite, IDENTITY_NAME } from './roles.js';
export type { Role } from './roles.js';
