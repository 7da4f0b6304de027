// Lint: typescript-eslint everywhere; AppSync's own rules on the resolvers (what AWS would
// refuse to deploy), plus `throw`, which no AppSync rule covers.
import appsync from '@aws-appsync/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'build/', '.tollgate/', 'generated/', '**/generated/', 'client/dist/', 'bench/results/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['resolvers/**/*.ts'],
    ...appsync.configs.recommended,
    languageOptions: {
      ...appsync.configs.recommended.languageOptions,
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      ...appsync.configs.recommended.rules,
      'no-restricted-syntax': ['error', { selector: 'ThrowStatement', message: 'APPSYNC_JS has no throw: use util.error().' }],
    },
  },
);
