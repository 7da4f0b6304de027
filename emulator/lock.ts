// One process at a time on a data folder: dynalite's LevelDB cannot be shared, and a second
// `npm start` on the same folder used to crash later with "Database is closed". The lock is a
// file created exclusively; one left by a process that no longer runs is taken over.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError';
}

interface Holder {
  pid: number;
  what: string;
  since: string;
}

export const LOCK_FILE = 'tollgate.lock';

/** Whether a process with this id runs now (the lock, the CLI and admin ask this of recorded pids). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(file: string): Holder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, what: String(parsed.what ?? 'Tollgate'), since: String(parsed.since ?? '') } : null;
  } catch {
    return null;
  }
}

/** Takes the data folder for this process (`what` says who, e.g. "npm start"); returns the release. */
export function lockDataFolder(dataDir: string, what: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(file);
      if (holder && processRunning(holder.pid)) {
        throw new DataFolderInUseError(
          `The data folder ${dataDir} is in use by ${holder.what} (pid ${holder.pid}${holder.since ? `, since ${holder.since}` : ''}). ` +
            `Stop that one first, or give this one its own folder: TOLLGATE_DATA_DIR=<another folder>. ` +
            `If nothing of Tollgate's runs any more, delete ${file}.`,
        );
      }
      // Left behind by a process that ended without releasing it (or half-written): take it over.
      rmSync(file, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() }) + '\n');
    closeSync(fd);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (holderOf(file)?.pid === process.pid) rmSync(file, { force: true });
    };
  }
  throw new DataFolderInUseError(`The data folder ${dataDir} changed hands while starting. Try again.`);
}
