import { defineConfig } from 'vitest/config';

/**
 * Tests run sodate and its built-in objective packages from their TypeScript sources: the
 * `sodate-sources` export condition (see src/run/entry.ts) makes `import 'sodate'` and
 * `import '@sodate/image-classifier'` load src/ rather than dist/, so both sides share one
 * copy of the error classes. The rest are vitest's own defaults for Node (Vite's without
 * `module`, which would pick the bundler-only ESM builds of packages such as the AWS SDK).
 */
const conditions = ['sodate-sources', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'packages/*/test/**/*.test.ts'],
    exclude: ['test/bench/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/e2e/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
  },
});
