// Linting the bundles needs a TypeScript program and ESLint (1.5–3 s, most of an emulator's
// start): the verdict is kept beside the cloud assembly, keyed by the bundles' contents, the
// linter's own source and the lockfile (the rules' versions), and only a change lints again.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LintProblem } from './lint.ts';
import { describePosition, sourceLocator } from './source-map.ts';

const CACHE_FILE = '.tollgate-lint.json';
const LINTER = join(import.meta.dirname, 'lint.ts');
const LOCKFILE = join(import.meta.dirname, '..', '..', 'package-lock.json');

function keyOf(cdkOut: string, files: string[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) hash.update(relative(cdkOut, file)).update('\0').update(readFileSync(file)).update('\0');
  hash.update(readFileSync(LINTER));
  try {
    hash.update(readFileSync(LOCKFILE));
  } catch {
    // Outside the repository (a packed emulator) the linter's source alone keys the cache.
  }
  return hash.digest('hex');
}

/** The problems AWS would refuse the bundles for; problems point at the files as given. */
export async function lintBundlesCached(cdkOut: string, files: string[]): Promise<LintProblem[]> {
  if (files.length === 0) return [];
  const key = keyOf(cdkOut, files);
  const cache = join(cdkOut, CACHE_FILE);
  try {
    const cached = JSON.parse(readFileSync(cache, 'utf8')) as { key: string; problems: (LintProblem & { file: string })[] };
    if (cached.key === key) return cached.problems.map((p) => ({ ...p, file: join(cdkOut, p.file) }));
  } catch {
    // No verdict yet, or an unreadable one: lint.
  }
  const { lintBundles } = await import('./lint.ts');
  const problems = lintBundles(files);
  // Written whole and renamed into place: test workers start emulators on one assembly at once.
  const tmp = `${cache}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify({ key, problems: problems.map((p) => ({ ...p, file: relative(cdkOut, p.file) })) }));
  renameSync(tmp, cache);
  return problems;
}

/**
 * One line per problem: where it is in the resolver source (through the bundle's source map),
 * with the bundle's own position beside it, then the rule and its message.
 */
export function describeProblems(problems: LintProblem[], owner: (file: string) => string): string {
  const locators = new Map<string, ReturnType<typeof sourceLocator>>();
  return problems
    .map((p) => {
      if (!locators.has(p.file)) locators.set(p.file, sourceLocator(readFileSync(p.file, 'utf8')));
      return `  ${owner(p.file)} ${describePosition(locators.get(p.file), p.line, p.column)} ${p.rule}: ${p.message}`;
    })
    .join('\n');
}
