// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // consumers/: their sources are linted; their build output and node_modules (when installed in
  // place rather than by consumers/run.mjs) are not.
  {
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      'consumers/*/dist/',
      'consumers/*/node_modules/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The consumers' plain scripts run on Node.js, and some of them are CommonJS.
    files: ['consumers/**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: { performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    files: ['consumers/**/*.cjs', 'consumers/nest11-cjs/jest.config.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
