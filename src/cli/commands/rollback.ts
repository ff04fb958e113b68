// `turtle rollback [--to VERSION]`: roll a version the store kept back out, site by site with the same
// gates as a deploy. Needs neither the old turtle.yaml (the store keeps every deployed spec) nor a
// registry (the images are still on the sites).
import type { Command } from 'commander';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import { releaseSpec } from '../../rollout/index.js';
import type { Spec } from '../../spec/index.js';
import type { Store } from '../../store/index.js';
import { openStore, selectSites, type GlobalOptions } from '../context.js';
import { runRollout } from '../_rollout-run.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('rollback')
    .description('go back to the previous version on every site (or to --to VERSION), with the same gates as deploy')
    .option('--to <version>', 'a deployment id from `turtle history`, or the first characters of a version (spec hash)')
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'print the result as JSON instead of progress')
    .option('--no-wait', 'when another deployment holds a site, exit at once (code 5) instead of waiting for it')
    .action(async (opts: { to?: string; site?: string; json?: boolean; wait: boolean }) => {
      const store = openStore(globals());
      try {
        const version = opts.to === undefined ? previousVersion(store) : chosenVersion(store, opts.to);
        const spec = releaseSpec(store, version) as Spec;
        const sites = selectSites(spec, opts.site);
        const result = await runRollout({ spec, sites, store, globals: globals(), command: `rollback to ${version.slice(0, 12)}`, noWait: !opts.wait, ...(opts.json ? { json: true } : {}) });
        if (!opts.json && result.outcome !== 'no-op') {
          console.error(`note: ${globals().file} still describes what you deployed last; change it back before the next \`turtle deploy\`, or that deploy brings the newer version again`);
        }
      } finally {
        store.close();
      }
    });
}

const REACHED = new Set(['succeeded', 'no-op', 'pending']);

/** The version before the one deployed last: the newest earlier deployment that reached the sites with another spec. */
function previousVersion(store: Store): string {
  const reached = store.deployments.list(1000).filter((d) => REACHED.has(d.outcome) && store.releases.get(d.specHash));
  const current = reached[0];
  const before = reached.find((d) => d.specHash !== current?.specHash);
  if (!current || !before) {
    throw new TurtleError(current ? `nothing to roll back to: only one version (${current.specHash.slice(0, 12)}) has been deployed from this store` : 'nothing to roll back to: no deployment has succeeded from this store', {
      exitCode: ExitCode.invalid,
      hint: 'see `turtle history`; roll back to a given one with `turtle rollback --to ID`',
    });
  }
  return before.specHash;
}

/**
 * `--to` is a deployment id or a version prefix. All digits can be either (a spec hash may start
 * 64269313): the one that exists is taken, and when both do the operator is asked to say which.
 */
function chosenVersion(store: Store, to: string): string {
  const isId = /^\d+$/.test(to);
  if (!isId && !/^[0-9a-f]{4,64}$/.test(to)) {
    throw new TurtleError(`--to takes a deployment id or a version (at least 4 hex characters), got \`${to}\``, { exitCode: ExitCode.invalid, hint: 'see both in `turtle history`' });
  }
  const deployment = isId ? store.deployments.get(Number(to)) : undefined;
  const found = to.length >= 4 ? store.releases.matching(to) : [];
  if (deployment && found.length > 0) {
    throw new TurtleError(`--to ${to} is both deployment ${to} and the start of version ${found[0]!.specHash.slice(0, 12)}`, {
      exitCode: ExitCode.invalid,
      hint: `give more characters of the version, or the deployment's own: ${deployment.specHash.slice(0, 12)}`,
    });
  }
  if (deployment) {
    if (!store.releases.get(deployment.specHash)) {
      throw new TurtleError(`deployment ${to} was made by an older turtle that did not keep its spec`, { exitCode: ExitCode.invalid, hint: 'deploy that turtle.yaml again instead' });
    }
    return deployment.specHash;
  }
  if (found.length === 0) {
    throw isId
      ? new TurtleError(`no deployment ${to}${to.length >= 4 ? ' and no version starting so' : ''}`, { exitCode: ExitCode.invalid, hint: 'see the IDs with `turtle history`' })
      : new TurtleError(`no version ${to} in this store`, { exitCode: ExitCode.invalid, hint: 'see the versions in `turtle history` (the SPEC column)' });
  }
  if (found.length > 1) {
    throw new TurtleError(`version ${to} is ambiguous: ${found.map((r) => r.specHash.slice(0, 12)).join(', ')}`, { exitCode: ExitCode.invalid, hint: 'give more characters' });
  }
  return found[0]!.specHash;
}
