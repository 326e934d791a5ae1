import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    setupFiles: ['src/integration/exit-on-sigterm.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
