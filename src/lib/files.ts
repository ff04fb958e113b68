// Reading the small files turtle keeps beside turtle.yaml (turtle.lock, turtle.secrets/): absent is an answer,
// any other failure is the caller's error naming the file.
import { readFileSync } from 'node:fs';

/** The file's text, or undefined when there is none; any other failure throws `unreadable(code)`. */
export function readIfExists(path: string, unreadable: (code: string) => Error): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw unreadable(code ?? 'error');
  }
}
