import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'media/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The core runs in plain Node (CLI, tests, benchmarks): it must never depend on the editor. It is the product
    // alone: the lab (benchmarks, generators, the link shaper in src/lab) builds on it, never the other way round.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core must not import vscode.' }],
        patterns: [{ group: ['**/lab', '**/lab/**'], message: 'src/core must not import the lab (src/lab).' }],
      }],
    },
  },
  {
    // Raw SQL on the live store belongs to the modules that own its tables (src/core/store/*.ts).
    files: ['**/*.ts'],
    ignores: ['src/core/store/**'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[object.name='SessionStore'][property.name='tables']",
        message: 'Raw SQL on the store stays in src/core/store: add a function to the module that owns the table.',
      }],
    },
  },
);
