// `turtle audit`: what in turtle.yaml weakens the sites, with a fix for each finding. Each site's engine
// (or agent) is asked what it has of the images (their default user, health check, size); a site that does
// not answer is audited from the spec alone, and says so. `--fail-on` makes it a CI gate (exit 2).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { servicesForSite } from '../../spec/index.js';
import { audit, reaches, SEVERITIES, type Finding, type Severity, type SiteView } from '../../audit/audit.js';
import { errorMessage, ExitCode, TurtleError } from '../../lib/errors.js';
import { imagesOf, siteImages } from '../../pin/check.js';
import { connectSite, loadSpec, selectSites, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('audit')
    .description('report what weakens each site (root, privileged, no limits, secrets in env, unpinned images…), with a fix for each')
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--offline', "from the spec alone: do not ask the sites' engines about their images")
    .option('--fail-on <severity>', `exit 2 when a finding is at least this severe (${SEVERITIES.join(', ')})`, severity)
    .option('--json', 'machine-readable output')
    .action(async (opts: { site?: string; offline?: boolean; failOn?: Severity; json?: boolean }) => {
      const spec = loadSpec(globals());
      const views: SiteView[] = [];
      const unasked: string[] = [];
      for (const site of selectSites(spec, opts.site)) {
        const services = servicesForSite(spec, site.name);
        const view: SiteView = { site: site.name, services };
        if (!opts.offline && services.length > 0) {
          try {
            view.images = await siteImages(await connectSite(spec, site, globals()), imagesOf(spec, site.name));
          } catch (err) {
            unasked.push(`${site.name}: its images were not inspected (${errorMessage(err).split('\n')[0]}); audited from the spec`);
          }
        }
        views.push(view);
      }
      const findings = audit(spec, views);
      for (const note of unasked) process.stderr.write(`note: ${note}\n`);
      if (opts.json) printJson(findings);
      else print(findings);
      if (opts.failOn && reaches(findings, opts.failOn)) {
        throw new TurtleError(`${findings.filter((f) => SEVERITIES.indexOf(f.severity) >= SEVERITIES.indexOf(opts.failOn!)).length} finding(s) at ${opts.failOn} or above`, { exitCode: ExitCode.drift, hint: 'fix them (each says how), or raise --fail-on' });
      }
    });
}

function severity(value: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(', ')}`);
  return value as Severity;
}

function print(findings: readonly Finding[]): void {
  if (findings.length === 0) return console.log('no findings');
  for (const f of findings) {
    console.log(`${f.severity.padEnd(6)}  ${(f.service ?? '(project)').padEnd(14)}  ${f.check.padEnd(16)}  ${(f.sites.join(',') || '-').padEnd(8)}  ${f.message}`);
    console.log(`${' '.repeat(8)}fix: ${f.fix}`);
  }
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  console.log(`\n${SEVERITIES.slice().reverse().map((s) => `${count(s)} ${s}`).join(', ')}`);
}
