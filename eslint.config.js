// ESLint 9 flat config: typescript-eslint's recommended rules over the TypeScript sources.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['gen/', 'dist/', 'node_modules/', 'embedded-db/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Prettier's printWidth (.prettierrc.json), also for what it cannot break: strings, templates, comments.
      'max-len': ['error', { code: 140, tabWidth: 2, ignoreUrls: true, ignorePattern: '^\\s*//.*https?://' }],
    },
  },
  {
    // The bin/ launchers are plain Node ESM.
    files: ['**/*.js'],
    languageOptions: { globals: { URL: 'readonly', process: 'readonly', console: 'readonly' } },
  },
  {
    // Tests and benchmarks talk to clients not written here (@grpc/grpc-js with proto-loader,
    // child-process messages), which are untyped.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
