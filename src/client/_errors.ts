// What went wrong talking to an agent, in words that say what, where and how to fix it.
import { ExitCode, TurtleError } from '../lib/errors.js';

export interface AgentRef {
  site: string;
  url: string;
  /** the identity directory and what its certificate says, for hints */
  identityDir: string;
  role: string;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** A failure before any answer: no connection, a certificate refused on either side, a timeout. */
export function connectionError(ref: AgentRef, err: unknown): TurtleError {
  const code = (err as { code?: string }).code ?? '';
  const detail = err instanceof Error ? err.message : String(err);
  const at = `site ${ref.site}: the agent at ${ref.url}`;
  const make = (message: string, hint: string) => new TurtleError(message, { exitCode: ExitCode.unreachable, hint, recoverable: true, cause: err });
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return make(`${at} presented a certificate for another host (${detail})`, `use the address its certificate names in sites.${ref.site}.agent, or reissue the agent's certificate: turtle ca issue --role agent --name ${ref.site} --host <that address>`);
  }
  if (UNTRUSTED.has(code)) {
    return make(`${at} presented a certificate your identity does not trust (${detail})`, `${ref.identityDir}/ca.pem must be the CA that issued the agent's certificate: issue your operator certificate from that CA`);
  }
  if (EXPIRED.has(code)) return make(`${at} presented a certificate that is not valid now (${detail})`, `reissue the agent's certificate, or check the clocks of both machines`);
  if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|DECRYPT_ERROR|ACCESS_DENIED)/.test(code)) {
    return make(`${at} refused your certificate (${ref.identityDir}/cert.pem: ${detail})`, `the agent trusts only certificates from its own CA: issue one there with turtle ca issue --role operator --name <you> --out ${ref.identityDir}`);
  }
  if (/ALERT_CERTIFICATE_REVOKED/.test(code)) {
    return make(`${at} refused your certificate: it was revoked (${ref.identityDir}/cert.pem)`, 'issue a new one: turtle ca issue --role operator --name <another name>');
  }
  return make(`${at} is unreachable (${detail})`, `check that \`turtle agent --site ${ref.site}\` runs there and listens on that address, and that sites.${ref.site}.agent in the spec is right`);
}

/** The agent answered with an error: its own JSON `error` (and issues) said in full. */
export function answerError(ref: AgentRef, status: number, body: unknown): TurtleError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; issues?: unknown };
  const said = typeof b.error === 'string' ? b.error : typeof body === 'string' && body.trim() ? body.trim().slice(0, 300) : 'no error message';
  const issues = Array.isArray(b.issues) && b.issues.length > 0 ? ` (${b.issues.map(String).join('; ')})` : '';
  const message = `site ${ref.site}: the agent at ${ref.url} answered ${status}: ${said}${issues}`;
  if (status === 403) {
    return new TurtleError(message, {
      exitCode: ExitCode.invalid,
      hint: ref.role === 'operator'
        ? 'the agent does not accept this certificate: check that it was not revoked'
        : `your identity in ${ref.identityDir} is a${ref.role === 'observer' ? 'n' : ''} ${ref.role} certificate, which may only read: use an operator's (turtle ca issue --role operator --name <you>)`,
    });
  }
  if (status >= 500) return new TurtleError(message, { exitCode: ExitCode.failed, hint: `the agent's own events say more: its log, or GET ${ref.url}/v1/events` });
  return new TurtleError(message, { exitCode: ExitCode.invalid, hint: `check that sites.${ref.site}.agent is that site's agent, and that turtle and the agent are of the same version` });
}
