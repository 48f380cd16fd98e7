import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// A test file that imports moto (test/support/moto, local/moto) or Chromium (test/support/browser) needs a
// moto_server or a browser, so it runs in the "integration" project. Every other file is pure and runs in "unit"
// (`npm run test:unit`): a new test joins its suite by what it imports, with no list of files to keep.
const NEEDS_SERVERS = /from '(?:\.\.?\/)+(?:support\/(?:moto|browser)|local\/moto)'/;

const root = fileURLToPath(new URL('.', import.meta.url));
const integration = readdirSync(`${root}test`, { recursive: true, encoding: 'utf8' })
  .map((file) => `test/${file.replaceAll('\\', '/')}`)
  .filter((file) => file.endsWith('.test.ts') && NEEDS_SERVERS.test(readFileSync(`${root}${file}`, 'utf8')));

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...integration] },
      },
      { extends: true, test: { name: 'integration', include: integration } },
    ],
  },
});
