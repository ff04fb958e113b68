// One command over HAProxy's admin socket: connect, write the line, read until HAProxy closes.
import { connect } from 'node:net';
import { TurtleError } from '../../lib/errors.js';

export function send(socketPath: string, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(socketPath);
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    sock.on('connect', () => sock.end(`${command}\n`));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString()));
    sock.on('error', (err) =>
      reject(new TurtleError(`the site proxy does not answer on ${socketPath}: ${err.message}`, {
        hint: 'check that its container (service _proxy) runs: `turtle ps`',
        recoverable: true,
        cause: err,
      })),
    );
  });
}
