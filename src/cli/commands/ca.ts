// `turtle ca init|issue|revoke`: the private CA behind the agents' mutual-TLS API.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import { ROLES, isRole } from '../../pki/roles.js';
import { wholeNumber } from '../_flags.js';

/** `$TURTLE_CA_DIR`, else `~/.config/turtle/ca`. */
export function defaultCaDir(): string {
  return process.env.TURTLE_CA_DIR ?? join(homedir(), '.config', 'turtle', 'ca');
}

export function register(program: Command): void {
  const ca = program.command('ca').description('a private certificate authority for the agents\' mutual-TLS API');
  ca.command('init')
    .description('create the CA (ca.crt, ca.key 0600, crl.pem)')
    .option('--ca-dir <dir>', 'where the CA lives (default $TURTLE_CA_DIR or ~/.config/turtle/ca)')
    .option('--name <cn>', 'the CA\'s common name', 'turtle CA')
    .action(async (opts: { caDir?: string; name: string }) => {
      const dir = opts.caDir ?? defaultCaDir();
      const { initCa } = await pki();
      const cert = await initCa(dir, { name: opts.name });
      console.log(`CA created: ${cert}`);
    });
  ca.command('issue')
    .description('issue a certificate: operator (changes state), observer (reads, and serves its dashboard given --host), peer (one site calling another), agent (an agent\'s server certificate, never a client)')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--name <name>', 'who it is for (a person, or the site for an agent)')
    .option('--host <names>', 'DNS names and IPs it answers on (comma-separated): an agent\'s, or the observer\'s dashboard')
    .option('--days <n>', 'validity in days', wholeNumber('--days', 'a whole number of days', 365, { min: 1 }), 825)
    .option('--out <dir>', 'where cert.pem, key.pem (0600), ca.pem and crl.pem go (default <ca-dir>/issued/<name>)')
    .option('--ca-dir <dir>', 'where the CA lives')
    .action(async (opts: { role: string; name: string; host?: string; days: number; out?: string; caDir?: string }) => {
      if (!isRole(opts.role)) {
        throw new TurtleError(`unknown role \`${opts.role}\``, { exitCode: ExitCode.invalid, hint: `use one of ${ROLES.join(', ')}` });
      }
      const hosts = opts.host ? opts.host.split(',').map((h) => h.trim()).filter(Boolean) : [];
      if (opts.role === 'agent' && hosts.length === 0) {
        throw new TurtleError('an agent certificate needs the names it answers on', {
          exitCode: ExitCode.invalid,
          hint: 'add --host with the address in its site\'s agent URL, e.g. --host 10.0.0.1,router.lan',
        });
      }
      if (hosts.length > 0 && opts.role !== 'agent' && opts.role !== 'observer') {
        throw new TurtleError(`a ${opts.role} certificate is a client's: it takes no --host`, {
          exitCode: ExitCode.invalid, hint: '--host is for an agent\'s certificate and for the observer that serves its dashboard',
        });
      }
      const { issueCert } = await pki();
      const { out, serial } = await issueCert(opts.caDir ?? defaultCaDir(), {
        role: opts.role, name: opts.name, hosts, days: opts.days, ...(opts.out ? { out: opts.out } : {}),
      });
      console.log(`${opts.role} certificate for ${opts.name} (serial ${serial}) in ${out}`);
    });
  ca.command('revoke <name>')
    .description('revoke a certificate by name or serial; copy the new crl.pem to the agents')
    .option('--ca-dir <dir>', 'where the CA lives')
    .action(async (name: string, opts: { caDir?: string }) => {
      const dir = opts.caDir ?? defaultCaDir();
      const { revokeCert } = await pki();
      const revoked = await revokeCert(dir, name);
      for (const c of revoked) console.log(`revoked ${c.name} (${c.role}, serial ${c.serial})`);
      console.log(`CRL: ${join(dir, 'crl.pem')}: copy it into each agent's TLS directory (agents reload it when it changes)`);
    });
}

/** X.509 (and its ASN.1 libraries) loaded by the ca commands only: every other command starts without them. */
const pki = () => import('../../pki/ca.js');
