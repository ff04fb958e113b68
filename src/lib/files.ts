// The small files turtle keeps (turtle.lock, turtle.secrets/, keys): reading one where absent is an answer and
// any other failure the caller's error naming the file, and making one that must never replace another.
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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

/**
 * Writes `text` at `path` only when nothing is there: whole (a reader never sees half of it) and never over
 * a file another process made meanwhile. False when there was one. `dirMode`: the folder's, when it is made.
 */
export function createOnce(path: string, text: string, mode: number, dirMode?: number): boolean {
  mkdirSync(dirname(path), { recursive: true, ...(dirMode === undefined ? {} : { mode: dirMode }) });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode, flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    rmSync(tmp, { force: true });
  }
}
