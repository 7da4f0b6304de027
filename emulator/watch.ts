// Watches source folders for `npm run dev`: one watcher per directory, so a file an editor
// replaces (new inode) is still seen, and new directories are picked up as they appear.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';

/** False for a path that is gone, or went between the event and the look. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Editors' temporary and backup files: vim (4913, .x.swp, x~), JetBrains (x___jb_tmp___), emacs (.#x, #x#). */
export function isScratchFile(name: string): boolean {
  return /^\d+$/.test(name) || /\.sw[a-p]x?$/.test(name) || name.endsWith('~') || /___jb_(tmp|old)___$/.test(name) || name.startsWith('.#') || /^#.*#$/.test(name);
}

/**
 * Calls onChange(path) for every file event under the given trees and for the given root files.
 * One watcher per directory, so a replaced file is seen as an event in its directory, and new
 * directories are picked up as they appear.
 */
export function watchSources(root: string, trees: string[], rootFiles: Set<string>, onChange: (path: string) => void): () => void {
  const watchers = new Map<string, FSWatcher>();
  const add = (dir: string) => {
    if (watchers.has(dir) || !isDirectory(dir)) return;
    const watcher = watch(dir, (_event, name) => {
      if (!name || isScratchFile(name)) return;
      const path = join(dir, name);
      if (dir === root && !rootFiles.has(name)) return;
      if (dir !== root && isDirectory(path)) addTree(path);
      onChange(relative(root, path));
    });
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
  };
  const addTree = (dir: string) => {
    add(dir);
    for (const entry of isDirectory(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      if (entry.isDirectory() && entry.name !== 'node_modules') addTree(join(dir, entry.name));
    }
  };
  add(root);
  for (const tree of trees) addTree(join(root, tree));
  return () => {
    for (const w of watchers.values()) w.close();
    watchers.clear();
  };
}

