// The turtle program shared by both entry points (the whole CLI, and the agent alone): global options,
// commander's behaviour, and the one place where errors become messages and exit codes.
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../lib/errors.js';
import type { GlobalOptions } from './context.js';
import { reportError } from './output.js';

export interface CommandModule {
  register(program: Command, globals: () => GlobalOptions): void;
}

export function program(commands: readonly CommandModule[]): Command {
  const program = new Command('turtle')
    .description('Deploy and run containerised services across small sites from one turtle.yaml, as a good citizen.')
    .version('0.1.0')
    .option('-f, --file <path>', 'the spec', process.env.TURTLE_FILE ?? 'turtle.yaml')
    .option('--state <path>', 'state store (default: .turtle/state.db beside the spec, or $TURTLE_STATE)')
    .option('--identity <dir>', "your certificate for sites' agents (default: $TURTLE_IDENTITY, else ~/.config/turtle/identity)")
    .option('--profile <name>', 'also run the services with this Compose profile (repeatable; default: $COMPOSE_PROFILES)', (v: string, all: string[] = []) => [...all, v])
    .option('--verbose', 'show stack traces with errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 invalid input (spec, arguments), 2 drift found, 3 an operation failed, 4 an engine, agent or file is unreachable, 5 another deployment holds a site (--no-wait), 130 interrupted (Ctrl-C).',
    );
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  for (const command of commands) command.register(program, globals);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

export async function run(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed `error: …`; help and version are not errors
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      if (err.code !== 'commander.help') process.stderr.write('hint: see `turtle --help` or `turtle <command> --help`\n');
      return ExitCode.invalid;
    }
    return reportError(err, program.opts<GlobalOptions>().verbose ?? argv.includes('--verbose'));
  }
}
