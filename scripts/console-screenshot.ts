// Regenerates docs/console.png: the local console with real data. It runs the example map on this machine,
// as the demo does: a commit deployed to dev and prod, a commit whose dev bake trips an alarm and is rolled
// back, and a commit waiting for prod's approver. Run with `npx tsx scripts/console-screenshot.ts`.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalStack } from '../local/stack';

const MAP_FILE = fileURLToPath(new URL('../crossdeploy.yaml', import.meta.url));
const OUT = fileURLToPath(new URL('../docs/console.png', import.meta.url));
const FAULTY = { account: '222222222222', region: 'eu-west-1' };

// The handlers log as they run; Powertools reads its settings when first imported, so set them before that.
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const { chromium } = await import('playwright-core');
const { deliverPush, demoCommit, seedTargets } = await import('../cli/demo');
const { loadMapFile } = await import('../core/map/load');
const { approvalLinkIn, decide } = await import('../local/actors');
const { startLocalStack } = await import('../local/stack');

const map = loadMapFile(MAP_FILE);
const stack = await startLocalStack({
  map,
  mapFile: MAP_FILE,
  stateDir: mkdtempSync(join(tmpdir(), 'crossdeploy-console-')),
  out: () => {},
});
try {
  await seedTargets(map);
  const [a, b, c] = ['A', 'B', 'C'].map(demoCommit) as [string, string, string];
  await push(stack, 'main', a, 'Serve the new landing page');
  const approval = stack.nextApprovalMessage();
  const prod = push(stack, 'production', a, 'Serve the new landing page');
  await decide(approvalLinkIn(await approval), 'approve', 'jane.approver@example.com', 'Looks good');
  await prod;
  stack.runtime.scheduler.injectFault(FAULTY, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });
  await push(stack, 'main', b, 'Cache the catalogue');
  const waiting = stack.nextApprovalMessage();
  void push(stack, 'production', c, 'Speed up the checkout page');
  await waiting;

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${stack.url}/`);
  await page.screenshot({ path: OUT, fullPage: true });
  await browser.close();
  console.log(`wrote ${OUT}`);
} finally {
  await stack.stop();
}

/** A push delivered as GitHub's webhook; resolves when its pipeline has ended. */
function push(stack: LocalStack, branch: string, commit: string, message: string) {
  return deliverPush(stack, { repository: 'acme/web', branch, commit, message });
}
