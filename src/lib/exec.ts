// Runs a host tool (iptables, tc, ip) the agent drives, with its input on stdin, and says what failed.
import { execFile } from 'node:child_process';
import { TurtleError } from './errors.js';

export type Exec = (file: string, args: readonly string[], stdin?: string) => Promise<string>;

const INSTALL: Record<string, string> = {
  iptables: 'install iptables (Debian: apt-get install iptables; OpenWrt: opkg install iptables-nft) so the agent can keep project networks away from the host',
  'iptables-restore': 'install iptables (Debian: apt-get install iptables; OpenWrt: opkg install iptables-nft)',
  tc: 'install iproute2 (Debian: apt-get install iproute2; OpenWrt: opkg install tc-full kmod-ifb kmod-sched-core) so the agent can shape bandwidth',
  ip: 'install iproute2 (Debian: apt-get install iproute2; OpenWrt: opkg install ip-full)',
};

export const runCommand: Exec = (file, args, stdin) =>
  new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { timeout: 10_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new TurtleError(missing ? `${file} is not installed on this host` : `${file} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`, {
        hint: missing ? (INSTALL[file] ?? `install ${file}`) : 'the agent needs root (CAP_NET_ADMIN) to change the host\'s network settings',
        cause: err,
      }));
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
