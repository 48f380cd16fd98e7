import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approvalPage } from '../../functions/approval-page';
import { requestApproval } from '../../functions/request-approval';
import {
  approvalInput,
  clock,
  launchChromium,
  REQUESTED_AT,
  serveOnLoopback,
  TIMEOUT_SECONDS,
  useApprovalAws,
} from '../support/browser';
import { useMoto } from '../support/moto';
import { seed, target } from '../support/workflows';

const moto = useMoto();
const time = clock();
const aws = useApprovalAws(() => moto.motoEndpoint(), time);
const prodEast = target('333333333333', 'us-east-1');
const SCREENSHOT = '/tmp/approval-page.png';

let browser: Browser;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let page: Page;
/** Requests to the page, by method: proves what the browser did and did not send. */
let received: string[];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  received = [];
  server = await serveOnLoopback((request) => {
    received.push(request.requestContext?.http.method ?? '?');
    return approvalPage(request, aws().pageDeps());
  });
  page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
});
afterEach(async () => {
  await page.close();
  await server.close();
});

/** A pending approval whose link points at the loopback server; a minute has passed since the request. */
async function pendingApproval() {
  await seed([prodEast]);
  const requested = await requestApproval(
    await approvalInput([prodEast]),
    aws().requestDeps({ publicUrl: () => server.origin }),
  );
  time.advance(60);
  return requested;
}

/** Clicks a submit button and waits until the answer to the form's POST is the page shown. */
async function submit(button: string): Promise<string> {
  const navigated = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
  await page.click(button);
  await navigated;
  await page.waitForLoadState();
  return (await page.locator('h1').textContent()) ?? '';
}

async function open(link: string) {
  const response = await page.goto(link);
  return { status: response?.status(), heading: await page.locator('h1').textContent() };
}

describe('approval page in Chromium', () => {
  it('shows the approval when the link is opened, and opening it decides nothing', async () => {
    const { approvalId, link } = await pendingApproval();

    const { status, heading } = await open(link);

    expect(status).toBe(200);
    expect(heading).toBe('Approve web 3f2a9c1 to prod?');
    expect(await page.locator('table tbody td').allTextContents()).toEqual([
      '333333333333',
      'us-east-1',
      'demo/web',
      'web:1',
    ]);
    // The inline style applies under the page's Content-Security-Policy: the approve button is green.
    // A string, evaluated in the page: this project compiles without the DOM's types.
    const approveColor = await page.evaluate(
      "getComputedStyle(document.querySelector('button.approve')).backgroundColor",
    );
    expect(approveColor).toBe('rgb(26, 127, 55)');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(received).toEqual(['GET']);
    expect((await aws().record(approvalId))?.status).toBe('pending');
    expect(await aws().deliveredDecisions()).toEqual([]);
  });

  it('records an approval when the approver fills in their name and clicks Approve', async () => {
    const { approvalId, link } = await pendingApproval();
    await open(link);

    await page.fill('#approver', 'ada@example.com');
    await page.fill('#comment', 'ship it');
    const heading = await submit('button.approve');

    expect(heading).toBe('Approved — the pipeline resumes');
    expect(await aws().record(approvalId)).toMatchObject({
      status: 'approved',
      decidedBy: 'ada@example.com',
      comment: 'ship it',
    });
    const delivered = await aws().deliveredDecisions();
    expect(delivered.map((e) => e.detail)).toEqual([
      {
        approvalId,
        decision: 'approve',
        approver: 'ada@example.com',
        comment: 'ship it',
        decidedAt: new Date(REQUESTED_AT.getTime() + 60_000).toISOString(),
      },
    ]);
  });

  it('records a rejection when the approver clicks Reject', async () => {
    const { approvalId, link } = await pendingApproval();
    await open(link);

    await page.fill('#approver', 'Grace Hopper');
    const heading = await submit('button.reject');

    expect(heading).toBe('Rejected — the pipeline resumes');
    expect((await aws().record(approvalId))?.status).toBe('rejected');
    expect((await aws().deliveredDecisions()).map((e) => e.detail.decision)).toEqual(['reject']);
  });

  it('sends nothing while the approver field is empty', async () => {
    const { approvalId, link } = await pendingApproval();
    await open(link);

    await page.click('button.approve');

    const missing = await page.evaluate("document.querySelector('#approver').validity.valueMissing");
    expect(missing).toBe(true);
    expect(received).toEqual(['GET']);
    expect((await aws().record(approvalId))?.status).toBe('pending');
  });

  it('shows 409 when a used link is opened again', async () => {
    const { link } = await pendingApproval();
    await open(link);
    await page.fill('#approver', 'ada@example.com');
    await submit('button.approve');

    const { status, heading } = await open(link);

    expect(status).toBe(409);
    expect(heading).toBe('Already approved — nothing changed');
    expect(await aws().deliveredDecisions()).toHaveLength(1);
  });

  it('shows 403 for a tampered link and 410 for an expired one, changing nothing', async () => {
    const { approvalId, link } = await pendingApproval();
    const tampered = new URL(link);
    tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 86_400));

    const forged = await open(tampered.toString());
    time.set(new Date(REQUESTED_AT.getTime() + (TIMEOUT_SECONDS + 1) * 1000));
    const expired = await open(link);

    expect(forged).toEqual({ status: 403, heading: 'This link is not valid — nothing changed' });
    expect(expired).toEqual({ status: 410, heading: 'This link has expired — nothing changed' });
    expect((await aws().record(approvalId))?.status).toBe('pending');
    expect(await aws().deliveredDecisions()).toEqual([]);
  });
});
