// Errors that explain themselves: what is wrong, where, and what to do. Caught and printed in one place (cli/).

export const ExitCode = {
  ok: 0,
  /** invalid input: spec, arguments, request */
  invalid: 1,
  /** the operation ran and failed (engine error, failed step) */
  failed: 3,
  /** an engine, agent or file we need is not reachable */
  unreachable: 4,
  /** `turtle drift`: the site differs from the spec */
  drift: 2,
  /** another deployment holds a site (`turtle deploy --no-wait`) */
  busy: 5,
  /** interrupted by the operator (Ctrl-C): what was in flight was finished or undone */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface TurtleErrorOptions {
  /** what to do about it, printed as `hint: …` */
  hint?: string;
  exitCode?: ExitCode;
  /** true when retrying later may succeed (engine restarting, network blip) */
  recoverable?: boolean;
  cause?: unknown;
}

export class TurtleError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly recoverable: boolean;

  constructor(message: string, options: TurtleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TurtleError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.recoverable = options.recoverable ?? false;
  }
}

/** A problem in user input, with its location. */
export interface Issue {
  /** `turtle.yaml:12:5`, or `site dc1` / `dc1/web` when no file position applies */
  where: string;
  /** dotted path in the document, e.g. `services.web.ports[0]` (empty for whole-document problems) */
  path: string;
  message: string;
  hint?: string;
}

export function formatIssue(issue: Issue): string {
  const path = issue.path ? ` ${issue.path}:` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${issue.where}:${path} ${issue.message}${hint}`;
}

/** Raised when user input is invalid; carries every issue found, not only the first. */
export class InvalidInputError extends TurtleError {
  readonly issues: readonly Issue[];

  constructor(summary: string, issues: readonly Issue[], hint?: string) {
    super(summary, { exitCode: ExitCode.invalid, ...(hint === undefined ? {} : { hint }) });
    this.name = 'InvalidInputError';
    this.issues = issues;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
