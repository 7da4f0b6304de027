// Refuses resolver code that AWS would refuse to deploy: AWS's own @aws-appsync/eslint-plugin
// rules (recommended set, with type information) plus `throw`, run on the bundles as deployed.
import { Linter } from 'eslint';
import appsync from '@aws-appsync/eslint-plugin';
import ts from 'typescript';

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

/** Lints many bundles with one TypeScript program, since the type-aware rules need one. */
export function lintBundles(files: string[]): LintProblem[] {
  if (files.length === 0) return [];
  const program = ts.createProgram(files, { allowJs: true, checkJs: false, noEmit: true, target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext, skipLibCheck: true, noResolve: true });
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
