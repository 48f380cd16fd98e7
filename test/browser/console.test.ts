import { request } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failureInPlainWords } from '../../core/failure';
import { launchChromium } from '../support/browser';
import { putStackRecord } from '../support/ledger';
import { useMoto } from '../support/moto';
import { commit, DEV, usePipelineStack } from '../support/pipeline';
import { publishTemplates } from '../support/stacks';

const moto = useMoto();
const SCREENSHOT = '/tmp/console.png';
/** Anyone who can push writes commit messages: the console must show this as text. */
const HOSTILE = '<script>document.title="owned"</script><b>ship</b>';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
afterEach(async () => {
  await page.close();
});

const texts = (selector: string) => page.locator(selector).allTextContents();

describe('the local console in Chromium', () => {
  const { stack, threePipelines, waitingForApproval } = usePipelineStack(moto);

  // Three pipelines and two pages: more than the default budget on a busy machine.
  it('lists executions newest first, shows pending approvals, and explains a failed pipeline in plain words', async () => {
    const { succeeded, failed, waiting, link: emailed } = await threePipelines(HOSTILE);
    expect([succeeded.status, failed.status, waiting.status]).toEqual(['SUCCEEDED', 'FAILED', 'RUNNING']);

    const response = await page.goto(`${stack().url}/`);

    expect(response?.status()).toBe(200);
    expect(await texts('#executions tbody tr td:nth-child(2) a')).toEqual([waiting.name, failed.name, succeeded.name]);
    expect(await texts('#executions tbody .badge')).toEqual(['running', 'failed', 'succeeded']);
    expect(await texts('#executions tbody tr td:nth-child(3)')).toEqual(['web', 'web', 'web']);
    expect(await texts('#executions tbody tr td:nth-child(4)')).toEqual(['production', 'main', 'main']);
    expect(await texts('#executions tbody tr td:nth-child(5)')).toEqual(['aaaaaaa', 'bbbbbbb', 'aaaaaaa']);
    const reason = failureInPlainWords(failed.error, failed.cause);
    expect(await texts('#executions .reason')).toEqual([reason]);

    expect(await texts('#approvals tbody tr td:nth-child(1)')).toEqual(['web']);
    expect(await texts('#approvals tbody tr td:nth-child(2)')).toEqual(['prod']);
    expect(await page.locator('#approvals a', { hasText: 'approval page' }).getAttribute('href')).toBe(emailed);
    expect(await page.locator('#approvals tbody td:nth-child(4)').textContent()).toContain(HOSTILE);
    expect(await page.evaluate('document.querySelectorAll("script").length')).toBe(0);
    expect(await page.title()).toBe('Console · crossdeploy local');
    expect(await page.locator('#status tbody tr').count()).toBe(2);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('execution') === failed.executionArn),
      page.click(`#executions a:text-is("${failed.name}")`),
    ]);

    expect(await page.locator('h1').textContent()).toBe(failed.name);
    expect(await page.locator('.failure p').first().textContent()).toBe(reason);
    expect(reason).toMatch(/^Rolled back \(DeploymentRolledBack\): wave 1 of dev: .*web-5xx/);
    // The environment, the wave's Map Run child, its target and the target's rollback, each under the one that started it.
    expect(await page.locator('.child').count()).toBe(4);
    expect(await texts('section > table tbody tr td:nth-child(5)')).toContain('caught');
  }, 90_000);

  it('answers 404 for an execution it does not know, and opening pages decides nothing', async () => {
    const { execution: waiting } = await waitingForApproval(commit('c'), 'ship');

    await page.goto(`${stack().url}/`);
    const unknown = await page.goto(`${stack().url}/?execution=${encodeURIComponent(`${waiting.executionArn}-x`)}`);
    await page.goto(`${stack().url}/?execution=${encodeURIComponent(waiting.executionArn)}`);

    expect(unknown?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe(waiting.name);
    expect(await texts('tbody td:nth-child(5)')).toContain('running');
    await page.goto(`${stack().url}/`);
    expect(await texts('#approvals tbody tr td:nth-child(2)')).toEqual(['prod']);
    expect(stack().runtime.stepFunctions.describe(waiting.executionArn)?.status).toBe('RUNNING');
  });

  it("shows each target's environment template version and the upgrades the registry has", async () => {
    await publishTemplates(
      ['v1.0', 'v1.1', 'v2.0'].map((version) => ({
        kind: 'environments',
        name: 'network',
        version,
        body: 'Resources: {}',
      })),
    );
    await putStackRecord({ environment: 'dev', account: DEV.account, region: DEV.region, version: 'v1.0' });

    await page.goto(`${stack().url}/`);

    expect(await texts('#status thead th')).toContain('ENV TEMPLATE');
    expect(await texts('#status tbody tr td:nth-child(2)')).toEqual(['dev', 'prod']);
    expect(await texts('#status tbody tr td:nth-child(7)')).toEqual([
      'network v1.0 (v1.1 available; v2.0 breaking)',
      'none',
    ]);
  });

  it('answers only requests addressed to loopback, so a rebound name cannot read approval links', async () => {
    const { port } = new URL(stack().url);
    const asked = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (answer) => {
          answer.resume();
          resolve(answer.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });

    expect(await asked(`evil.example:${port}`)).toBe(403);
    expect(await asked(`localhost:${port}`)).toBe(200);
    expect((await page.goto(`${stack().url}/api/executions`))?.status()).toBe(200);
  });
});
