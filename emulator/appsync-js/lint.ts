// Refuses resolver code that AWS would refuse to deploy: AWS's own @aws-appsync/eslint-plugin
// rules (recommended set, with type information) plus `throw`, run on the bundles as deployed.
import { Linter } from 'eslint';
import appsync from '@aws-appsync/eslint-plugin';
import ts from 'typescript';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LintProblem {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

const recommended = appsync.configs!.recommended as Linter.Config;

const RULES: Linter.RulesRecord = {
  ...recommended.rules,
  'no-restricted-syntax': ['error', { selector: 'ThrowStatement', message: 'Throw statements are not supported: use util.error().' }],
};

const linted = new Map<string, LintProblem[]>();

/** Lints one piece of code given as text (EvaluateCode's `code`), reported at code.js positions. */
export function lintSource(code: string): LintProblem[] {
  // A TypeScript program takes seconds to build; unit tests evaluate the same code many times.
  const known = linted.get(code);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-lint-'));
  try {
    const file = join(dir, 'code.js');
    writeFileSync(file, code);
    const problems = lintBundles([file]).map((problem) => ({ ...problem, file: 'code.js' }));
    if (linted.size > 200) linted.clear();
    linted.set(code, problems);
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const COMPILER_OPTIONS: ts.CompilerOptions = { allowJs: true, checkJs: false, noEmit: true, target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext, skipLibCheck: true, noResolve: true };
/** Parsing TypeScript's lib .d.ts files is most of a program's cost: they are parsed once. */
const host = ts.createCompilerHost(COMPILER_OPTIONS);
const libFiles = new Map<string, ts.SourceFile | undefined>();
const readSourceFile = host.getSourceFile.bind(host);
host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
  if (!/[\\/]typescript[\\/]lib[\\/]lib\.[^\\/]*\.d\.ts$/.test(fileName)) return readSourceFile(fileName, languageVersion, onError, shouldCreate);
  if (!libFiles.has(fileName)) libFiles.set(fileName, readSourceFile(fileName, languageVersion, onError, shouldCreate));
  return libFiles.get(fileName);
};

/** Lints many bundles with one TypeScript program, since the type-aware rules need one. */
export function lintBundles(files: string[]): LintProblem[] {
  if (files.length === 0) return [];
  const program = ts.createProgram(files, COMPILER_OPTIONS, host);
  const linter = new Linter({ configType: 'flat', cwd: '/' });
  const problems: LintProblem[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file)?.text ?? '';
    const messages = linter.verify(
      source,
      [
        {
          files: ['**/*.js'],
          plugins: recommended.plugins,
          languageOptions: { ...recommended.languageOptions, parserOptions: { programs: [program] } },
          rules: RULES,
        },
      ],
      { filename: file },
    );
    for (const m of messages) {
      if (m.severity < 2) continue;
      problems.push({ file, line: m.line, column: m.column, rule: m.ruleId ?? 'parse', message: m.message });
    }
  }
  return problems;
}
