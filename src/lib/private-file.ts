// Stores hold deployed specs, events and logs: readable by their owner only, whatever the umask.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes `path`'s folder (0700 when turtle creates it) and the file itself (0600, created empty if missing),
 * and tightens a file an older turtle left world-readable. SQLite gives its -wal and -shm files the mode of
 * the database file, so they follow.
 */
export function preparePrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}
