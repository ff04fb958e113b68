export { initCa, issueCert, revokeCert, readIssued, crlPath, revokedSerials, normaliseSerial } from './ca.js';
export type { IssuedCert, IssueOptions } from './ca.js';
export { identityFiles, type IdentityFiles } from './files.js';
export { ROLES, isRole, mayWrite, IDENTITY_NAME } from './roles.js';
export type { Role } from './roles.js';
