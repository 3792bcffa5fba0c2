// Type-aware lint, kept to rules that catch real bugs: a dropped promise in a Kafka consumer or a
// flush loses data without a trace (no-floating-promises, no-misused-promises). Style is left to
// the compiler settings and review, so lint findings stay few and merges stay easy.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.driftwatch/**', 'coverage/**', 'scratch/**', 'web/dist/**', 'test-output/**', 'src/ingest/decode-worker.mjs', 'eslint.config.js', 'vitest.config.ts', 'vitest.faults.config.ts'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // Off: other branches carry disable comments for rules this set leaves off (no-explicit-any).
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
    },
  },
);
