// `turtle import docker-compose.yml`: writes a turtle.yaml from a Compose file, says what it changed and
// what is left to do, and validates the result.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, errorMessage, formatIssue, InvalidInputError, TurtleError } from '../../lib/errors.js';
import { importCompose, parseSites } from '../../spec/import.js';
import { loadSpecFile } from '../../spec/index.js';
import type { GlobalOptions } from '../context.js';

interface ImportFlags {
  output?: string;
  site: string[];
  force?: boolean;
}

const invalid = (message: string, hint: string) => new TurtleError(message, { exitCode: ExitCode.invalid, hint });

export function register(program: Command, _globals: () => GlobalOptions): void {
  program
    .command('import')
    .argument('<compose-file>', 'the Compose file (docker-compose.yml, compose.yaml)')
    .description('write a turtle.yaml from a Compose file, keeping its comments and order; print what changed and what is left to do')
    .option('-o, --output <path>', 'the turtle.yaml to write, beside the Compose file (default: turtle.yaml there)')
    .option('--site <name=runtime,...>', 'the sites and their engines (docker or podman; repeatable; default: dc1=docker)', (v: string, all: string[]) => [...all, v], [])
    .option('--force', 'overwrite the output and the files it writes')
    .action((from: string, flags: ImportFlags) => {
      const to = resolve(flags.output ?? join(dirname(from), 'turtle.yaml'));
      if (dirname(to) !== dirname(resolve(from)))
        throw invalid(`--output ${flags.output}: write the turtle.yaml beside ${from}`, `relative paths in the Compose file (bind mounts, env_file, secrets, .env) are read from its folder: use -o ${join(dirname(from), relative(dirname(to), to))}`);
      if (resolve(from) === to) throw invalid(`--output ${flags.output} is the Compose file itself`, 'name another file, such as turtle.yaml');
      let sites;
      try {
        sites = parseSites(flags.site);
      } catch (err) {
        throw invalid(errorMessage(err), 'write --site dc1=docker,dc2=podman');
      }
      let text: string;
      try {
        text = readFileSync(from, 'utf8');
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        throw new TurtleError(`${from}: ${missing ? 'no such file' : `cannot read: ${errorMessage(err)}`}`, { exitCode: ExitCode.invalid, hint: missing ? 'name the Compose file, such as docker-compose.yml' : 'check its permissions' });
      }
      const cores = cpus().length;
      const gib = Math.max(1, Math.floor(totalmem() / 2 ** 30));
      let result;
      try {
        result = importCompose(text, { from, to, ...(sites.length > 0 ? { sites } : {}), capacity: { cpus: cores, memory: `${gib}g`, whose: "this machine's" } });
      } catch (err) {
        throw invalid(errorMessage(err), 'give turtle import a Compose file with a services: map');
      }
      // everything is checked before anything is written
      const clash = [...(existsSync(to) ? [to] : []), ...result.files.filter((f) => existsSync(f.path) && readFileSync(f.path, 'utf8') !== f.content).map((f) => f.path)][0];
      if (clash && !flags.force) throw invalid(`${clash} exists`, 'pass --force to overwrite it, or -o to write another file');
      for (const f of result.files) {
        mkdirSync(dirname(f.path), { recursive: true });
        writeFileSync(f.path, f.content);
      }
      writeFileSync(to, result.text);
      console.log(`wrote ${relative(process.cwd(), to) || to} from ${from}`);
      for (const line of result.changed) console.log(`  changed: ${line}`);
      for (const line of result.left) console.log(`  to do:   ${line}`);
      try {
        const spec = loadSpecFile(to);
        for (const note of spec.notes ?? []) console.log(`  note:    ${formatIssue(note)}`);
        console.log(`${relative(process.cwd(), to) || to} is valid; deploy it with turtle -f ${relative(process.cwd(), to) || to} deploy`);
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        for (const issue of err.issues) console.log(`  problem: ${formatIssue(issue)}`);
        throw new TurtleError(`${relative(process.cwd(), to) || to} was written and has ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'} left`, { exitCode: ExitCode.invalid, hint: 'fix them, then check with turtle validate' });
      }
    });
}
