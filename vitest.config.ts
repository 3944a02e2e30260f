import { defineConfig } from 'vitest/config';

/**
 * Tests run sodate and its built-in objective packages from their TypeScript sources: the
 * `sodate-sources` export condition (see src/run/entry.ts) makes `import 'sodate'` and
 * `import '@sodate/image-classifier'` load src/ rather than dist/, so both sides share one
 * copy of the error classes. The rest are Vite's defaults for Node.
 */
const conditions = ['sodate-sources', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['sodate-sources'] } },
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
