// ESLint flat config for keyturn: @eslint/js recommended + typescript-eslint strict, type-checked.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores([
    '**/node_modules/',
    'cdk.out/',
    'coverage/',
    '.keyturn/',
    // Plain JavaScript config files (jest.config.js, ...) are not linted; this file is.
    '**/*.js',
    '**/*.cjs',
    '**/*.mjs',
    '!eslint.config.mjs',
  ]),

  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // Numbers in messages ("got 100") are the point of validation errors.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Lambda code logs through the Powertools Logger; secret values must never reach stdout.
      'no-console': 'error',
    },
  },
  {
    // Command-line tools talk to a terminal.
    files: ['local/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // CDK idiom: constructs are created for their side effects on the tree (`new Foo(scope, 'Id')`).
    files: ['infra/**', 'test/infra/**'],
    rules: { 'no-new': 'off' },
  },
  {
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
]);
