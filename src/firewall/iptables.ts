// The site's isolation rules on this host, with Debian's iptables (the binary Docker and netavark drive, so
// all three write the same tables). turtle changes only its own chains and the two jumps into them.
import { runCommand, type Exec } from '../lib/exec.js';
import { chainsOf, jumpComment, ruleCounts, scriptHash, type Chains } from './rules.js';

export type { Exec };

/** What a sync found before it acted: nothing to do, rules missing or changed by hand, or a new script. */
export type SyncOutcome = 'unchanged' | 'applied' | 'repaired';

export class Iptables {
  constructor(private readonly exec: Exec = runCommand) {}

  /** The script each site's rules were last put in place from, by its hash. */
  private readonly applied = new Map<string, string | undefined>();

  /**
   * Puts the site's rules in place unless they already are, and its jumps first in INPUT and FORWARD.
   * `repaired`: these very rules had been in place (by this process, or before it started) and something
   * else removed, changed or moved them.
   */
  async sync(site: string, script: string): Promise<SyncOutcome> {
    const chains = chainsOf(site);
    const hash = scriptHash(script);
    const table = await this.exec('iptables', ['-w', '-S']);
    const rulesOk = inPlace(table, chains, script);
    const jumpsOk = jumpFirst(table, 'INPUT', chains.input) && jumpFirst(table, 'FORWARD', chains.forward);
    const before = this.applied.get(site) ?? markerIn(table, chains.input);
    if (rulesOk && jumpsOk) {
      this.applied.set(site, hash);
      return 'unchanged';
    }
    if (!rulesOk) await this.exec('iptables-restore', ['-w', '--noflush'], script);
    if (!jumpsOk) {
      await this.unjump(site, chains);
      for (const [parent, chain] of [['FORWARD', chains.forward], ['INPUT', chains.input]] as const)
        await this.exec('iptables', ['-w', '-I', parent, '1', '-m', 'comment', '--comment', jumpComment(site), '-j', chain]);
    }
    // only once in place: a sync that failed half-way is not what a later one repairs
    this.applied.set(site, hash);
    return before === hash ? 'repaired' : 'applied';
  }

  /** Takes the site's rules away: its jumps, then its chains. Nothing of turtle's left is fine. */
  async remove(site: string): Promise<boolean> {
    const chains = chainsOf(site);
    const table = await this.exec('iptables', ['-w', '-S']);
    this.applied.delete(site);
    if (!table.split('\n').some((l) => l === `-N ${chains.input}` || l === `-N ${chains.forward}`)) return false;
    await this.unjump(site, chains);
    for (const chain of [chains.input, chains.forward]) {
      await this.exec('iptables', ['-w', '-F', chain]).catch(() => undefined);
      await this.exec('iptables', ['-w', '-X', chain]).catch(() => undefined);
    }
    return true;
  }

  private async unjump(site: string, chains: Chains): Promise<void> {
    for (const [parent, chain] of [['INPUT', chains.input], ['FORWARD', chains.forward]] as const) {
      const rule = ['-m', 'comment', '--comment', jumpComment(site), '-j', chain];
      // every copy: one left behind by a crash between a delete and an insert would keep its place
      for (let i = 0; i < 10; i++) {
        const gone = await this.exec('iptables', ['-w', '-D', parent, ...rule]).then(() => false, () => true);
        if (gone) break;
      }
    }
  }
}

/** The hash on the marker of `chain` now (`iptables -S` quotes the comment), if any. */
function markerIn(table: string, chain: string): string | undefined {
  const line = table.split('\n').find((l) => l.startsWith(`-A ${chain} -m comment --comment `) && /turtle:[0-9a-f]{12}/.test(l));
  return line === undefined ? undefined : scriptHash(line.replace(/"/g, ''));
}

/** Both chains carry the script's marker and as many rules as it puts there. */
function inPlace(table: string, chains: Chains, script: string): boolean {
  const want = ruleCounts(script, chains);
  const hash = scriptHash(script);
  const lines = table.split('\n');
  const count = (chain: string) => lines.filter((l) => l.startsWith(`-A ${chain} `)).length;
  return count(chains.input) === want.input && count(chains.forward) === want.forward && markerIn(table, chains.input) === hash && markerIn(table, chains.forward) === hash;
}

/**
 * The site's jump comes before any rule that could accept the traffic first: only other sites' turtle
 * jumps and Docker's DOCKER-USER (which Docker keeps first itself, and which accepts nothing unless its
 * owner says so) may precede it.
 */
function jumpFirst(table: string, parent: string, chain: string): boolean {
  for (const line of table.split('\n')) {
    if (!line.startsWith(`-A ${parent} `)) continue;
    if (line.endsWith(` -j ${chain}`)) return true;
    if (/ -j TT-[^ ]+$/.test(line) || line === `-A ${parent} -j DOCKER-USER`) continue;
    return false;
  }
  return false;
}
