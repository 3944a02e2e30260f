import tseslint from 'typescript-eslint';
import layers from './scripts/eslint-layers.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'studies/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The folder layers of src/ (README, Architecture): no upward or sideways imports, no cycles.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    plugins: { layers },
    rules: { 'layers/imports': 'error', 'layers/known-folders': 'error' },
  },
  {
    // A built-in objective's package uses only sodate's public entry, like any user's code.
    files: ['packages/*/**/*.ts'],
    plugins: { layers },
    rules: { 'layers/package-boundary': 'error' },
  },
);
