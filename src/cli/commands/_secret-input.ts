// A secret's value from stdin: piped as it is (one trailing newline dropped unless asked), or typed at a
// terminal without echo. Never printed, never in the shell's history.
import { TurtleError, ExitCode } from '../../lib/errors.js';

export async function readSecretValue(name: string, keepNewline: boolean, max: number): Promise<string> {
  const typed = process.stdin.isTTY === true;
  let value = typed ? await typedLine(`value of ${name} (not shown, Enter ends it): `) : await piped(max);
  if (!typed && !keepNewline) value = value.replace(/\r?\n$/, '');
  if (value === '') throw new TurtleError(`no value for secret ${name} on stdin`, { exitCode: ExitCode.invalid, hint: `printf %s "$VALUE" | turtle secret set ${name}, or turtle secret set ${name} < FILE` });
  if (Buffer.byteLength(value) > max) throw new TurtleError(`the value of secret ${name} is over ${max / 1024} KiB`, { exitCode: ExitCode.invalid, hint: 'keep large files (certificates bundles, keystores) in a volume; secrets are for keys and passwords' });
  if (value.includes('\0')) throw new TurtleError(`the value of secret ${name} holds a NUL byte`, { exitCode: ExitCode.invalid, hint: 'secrets are text: encode binary values (base64) and decode them in the service' });
  return value;
}

async function piped(max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max + 2) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function typedLine(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    let value = '';
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new TurtleError('interrupted: no secret was set', { exitCode: ExitCode.interrupted }));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
