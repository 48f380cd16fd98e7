import { afterEach, describe, expect, it } from 'vitest';
import { signApprovalLink } from '../../core/approval-link';
import { approvalPage, handler, PAGE_HEADERS } from '../../functions/approval-page';
import type { HttpResponse } from '../../functions/lib/http';
import { requestApproval } from '../../functions/request-approval';
import { storeLocalSecrets } from '../../local/secrets';
import {
  apiGatewayEvent,
  approvalInput,
  COMMIT,
  clock,
  PUBLIC_URL,
  REQUESTED_AT,
  SIGNING_KEY,
  TIMEOUT_SECONDS,
  useApprovalAws,
} from '../support/browser';
import { useMoto } from '../support/moto';
import { IMAGE, seed, target } from '../support/workflows';
import { lambdaContext } from './support';

const moto = useMoto();
const time = clock();
const aws = useApprovalAws(() => moto.motoEndpoint(), time);
const prodEast = target('333333333333', 'us-east-1');

/** A pending approval for commit 3f2a9c1 of web to prod, as the gate leaves it; a minute later. */
async function pendingApproval(overrides: Parameters<typeof approvalInput>[1] = {}) {
  await seed([prodEast]);
  const requested = await requestApproval(await approvalInput([prodEast], overrides), aws().requestDeps());
  time.advance(60);
  return requested;
}

function get(link: string, deps = aws().pageDeps()): Promise<HttpResponse> {
  return approvalPage(apiGatewayEvent('GET', link), deps);
}

function post(link: string, fields: Record<string, string>, deps = aws().pageDeps()): Promise<HttpResponse> {
  return approvalPage(apiGatewayEvent('POST', link, new URLSearchParams(fields).toString()), deps);
}

/** The link with one query parameter replaced. */
function withParam(link: string, name: string, value: string): string {
  const url = new URL(link);
  url.searchParams.set(name, value);
  return url.toString();
}

function heading(response: HttpResponse): string {
  return /<h1>([\s\S]*?)<\/h1>/.exec(response.body)?.[1] ?? '';
}

describe('approval page, GET', () => {
  it('lists every target of a large environment, from the list kept beside its waves', async () => {
    const targets = Array.from({ length: 120 }, (_, i) => target(String(500000000000 + i), 'us-east-1'));
    const { link } = await requestApproval(await approvalInput(targets), aws().requestDeps());

    const page = await get(link);

    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('to 120 targets in prod');
    expect(page.body.match(/<tr><td class="mono">5\d{11}<\/td>/g)).toHaveLength(120);
    expect(page.body).toContain('<td class="mono">500000000119</td>');
  });

  it('shows everything about the deployment and a form, and decides nothing', async () => {
    const { approvalId, link } = await pendingApproval();

    const page = await get(link);

    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS });
    expect(heading(page)).toBe('Approve web 3f2a9c1 to prod?');
    for (const shown of [
      '<dd>web</dd>',
      '<dd>prod</dd>',
      `<code>${COMMIT}</code>`,
      'Ada Lovelace &lt;ada@example.com&gt;',
      'Speed up the checkout page\n\nCaches the cart for 30 seconds.',
      `<code>${IMAGE.digest}</code>`,
      '<td class="mono">333333333333</td><td class="mono">us-east-1</td>',
      `<code>${IMAGE.repositoryUri}</code>`,
      '<td class="mono">web:1</td>',
      '2030-01-02 04:04 UTC',
    ]) {
      expect(page.body).toContain(shown);
    }
    const query = new URL(link).search.slice(1).replace('&', '&amp;');
    expect(page.body).toContain(`<form method="post" action="?${query}">`);
    expect(page.body).toMatch(/<input type="text" id="approver" name="approver" required/);
    expect(page.body).toContain('<button class="approve" type="submit" name="decision" value="approve">');
    expect(page.body).toContain('<button class="reject" type="submit" name="decision" value="reject">');
    expect(page.body).not.toContain('<script');
    expect((await aws().record(approvalId))?.status).toBe('pending');
    expect(await aws().deliveredDecisions()).toEqual([]);
  });

  it('escapes what the pusher wrote, so a commit message cannot inject markup', async () => {
    const { link } = await pendingApproval({
      author: '"><img src=x onerror=alert(1)>',
      message: '<script>alert("owned")</script> & more',
    });

    const page = await get(link);

    expect(page.body).not.toContain('<script>');
    expect(page.body).not.toContain('<img');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; more');
    expect(page.body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('approval page, POST', () => {
  it('records an approval once and puts one Approval Decision event on the bus', async () => {
    const { approvalId, link } = await pendingApproval();

    const page = await post(link, { decision: 'approve', approver: ' ada@example.com ', comment: 'ship it' });

    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject(PAGE_HEADERS);
    expect(heading(page)).toBe('Approved — the pipeline resumes');
    const decidedAt = new Date(REQUESTED_AT.getTime() + 60_000).toISOString();
    expect(await aws().record(approvalId)).toMatchObject({
      status: 'approved',
      decidedBy: 'ada@example.com',
      comment: 'ship it',
      decidedAt,
    });
    const delivered = await aws().deliveredDecisions();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      source: 'crossdeploy',
      'detail-type': 'Approval Decision',
      detail: { approvalId, decision: 'approve', approver: 'ada@example.com', comment: 'ship it', decidedAt },
    });
  });

  it('records a rejection, with an empty comment when none was given', async () => {
    const { approvalId, link } = await pendingApproval();

    const page = await post(link, { decision: 'reject', approver: 'Grace Hopper' });

    expect(page.statusCode).toBe(200);
    expect(heading(page)).toBe('Rejected — the pipeline resumes');
    expect(await aws().record(approvalId)).toMatchObject({
      status: 'rejected',
      decidedBy: 'Grace Hopper',
      comment: '',
    });
    expect((await aws().deliveredDecisions()).map((e) => e.detail.decision)).toEqual(['reject']);
  });

  it('answers a used link with 409 naming who decided, for POST and GET, and changes nothing', async () => {
    const { approvalId, link } = await pendingApproval();
    await post(link, { decision: 'approve', approver: 'ada@example.com' });
    const decided = await aws().record(approvalId);

    const again = await post(link, { decision: 'reject', approver: 'mallory@example.com' });
    const opened = await get(link);

    expect(again.statusCode).toBe(409);
    expect(heading(again)).toBe('Already approved — nothing changed');
    expect(again.body).toContain('approved by ada@example.com');
    expect(opened.statusCode).toBe(409);
    expect(await aws().record(approvalId)).toEqual(decided);
    expect(await aws().deliveredDecisions()).toHaveLength(1);
  });

  it('answers a superseded approval with 409 saying which commit replaced it', async () => {
    const { approvalId, link } = await pendingApproval();
    await requestApproval(
      await approvalInput([prodEast], {
        taskToken: 'task-token-of-pipeline-2',
        pipelineId: 'web-9c0ffee',
        commit: '9c0ffee'.padEnd(40, '1'),
      }),
      aws().requestDeps(),
    );

    const page = await post(link, { decision: 'approve', approver: 'ada@example.com' });

    expect(page.statusCode).toBe(409);
    expect(heading(page)).toBe('Superseded — nothing changed');
    expect(page.body).toContain('<code>9c0ffee</code> (pipeline <code>web-9c0ffee</code>)');
    expect((await aws().record(approvalId))?.status).toBe('superseded');
    expect(await aws().deliveredDecisions()).toEqual([]);
  });

  it('refuses a missing approver with 400, keeping what was typed, and changes nothing', async () => {
    const { approvalId, link } = await pendingApproval();

    const page = await post(link, { decision: 'approve', approver: '   ', comment: 'looks <fine>' });

    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('<p class="error" role="alert">Enter your name or e-mail');
    expect(page.body).toContain('>looks &lt;fine&gt;</textarea>');
    expect((await aws().record(approvalId))?.status).toBe('pending');
    expect(await aws().deliveredDecisions()).toEqual([]);
  });

  it('refuses a post without a decision with 400', async () => {
    const { approvalId, link } = await pendingApproval();

    const page = await post(link, { approver: 'ada@example.com', decision: 'maybe' });

    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('Choose Approve or Reject.');
    expect((await aws().record(approvalId))?.status).toBe('pending');
  });

  it('takes the decision back and answers 503 when the bus refuses it, so it can be submitted again', async () => {
    const { approvalId, link } = await pendingApproval();

    const refused = await post(
      link,
      { decision: 'approve', approver: 'ada@example.com' },
      aws().pageDeps({ eventBusName: () => 'no-such-bus' }),
    );

    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    const record = await aws().record(approvalId);
    expect(record?.status).toBe('pending');
    expect(record).not.toHaveProperty('decidedBy');
    expect(record).not.toHaveProperty('decidedAt');
    expect(await aws().deliveredDecisions()).toEqual([]);

    const retried = await post(link, { decision: 'approve', approver: 'ada@example.com' });
    expect(retried.statusCode).toBe(200);
    expect(await aws().deliveredDecisions()).toHaveLength(1);
  });
});

describe('approval page, links that do not open', () => {
  it.each(['GET', 'POST'])('answers %s with a tampered signature with 403 and changes nothing', async (method) => {
    const { approvalId, link } = await pendingApproval();
    const signature = new URL(link).searchParams.get('signature') ?? '';
    const tampered = withParam(link, 'signature', `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);

    const page =
      method === 'GET' ? await get(tampered) : await post(tampered, { decision: 'approve', approver: 'mallory' });

    expect(page.statusCode).toBe(403);
    expect(page.headers).toMatchObject(PAGE_HEADERS);
    expect(heading(page)).toBe('This link is not valid — nothing changed');
    expect((await aws().record(approvalId))?.status).toBe('pending');
    expect(await aws().deliveredDecisions()).toEqual([]);
  });

  it('answers a link whose expiry was pushed back with 403', async () => {
    const { link } = await pendingApproval();
    const expires = Number(new URL(link).searchParams.get('expires'));

    const page = await get(withParam(link, 'expires', String(expires + 86_400)));

    expect(page.statusCode).toBe(403);
  });

  it('answers a link without a signature with 403', async () => {
    const { approvalId } = await pendingApproval();

    const page = await get(`${PUBLIC_URL}/approvals/${approvalId}`);

    expect(page.statusCode).toBe(403);
  });

  it.each(['GET', 'POST'])('answers %s after the expiry with 410 and changes nothing', async (method) => {
    const { approvalId, link } = await pendingApproval();
    time.set(new Date(REQUESTED_AT.getTime() + TIMEOUT_SECONDS * 1000));

    const page =
      method === 'GET' ? await get(link) : await post(link, { decision: 'approve', approver: 'ada@example.com' });

    expect(page.statusCode).toBe(410);
    expect(heading(page)).toBe('This link has expired — nothing changed');
    expect(page.body).toContain('2030-01-02 04:04 UTC');
    expect((await aws().record(approvalId))?.status).toBe('pending');
    expect(await aws().deliveredDecisions()).toEqual([]);
  });

  it('answers a signed link to an approval that does not exist with 404', async () => {
    const link = signApprovalLink(PUBLIC_URL, 'no-such-approval', new Date('2030-01-03T00:00:00Z'), SIGNING_KEY);

    const page = await get(link);

    expect(page.statusCode).toBe(404);
    expect(heading(page)).toBe('No such approval — nothing changed');
  });

  it('answers other methods with 405', async () => {
    const { link } = await pendingApproval();

    const page = await approvalPage(apiGatewayEvent('DELETE', link), aws().pageDeps());

    expect(page.statusCode).toBe(405);
    expect(page.headers.allow).toBe('GET, POST');
  });
});

describe('approval page handler (HTTP API event)', () => {
  afterEach(() => {
    delete process.env.CROSSDEPLOY_LINK_SIGNING_KEY_PARAM;
  });

  it('serves the page with the signing key it reads from SSM', async () => {
    time.set(new Date());
    await seed([prodEast]);
    const { link } = await requestApproval(await approvalInput([prodEast]), aws().requestDeps());
    await storeLocalSecrets({ linkSigningKey: SIGNING_KEY });

    const page = await handler(apiGatewayEvent('GET', link), lambdaContext('approval-page'));

    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject(PAGE_HEADERS);
  });

  it('answers an HTML 500 page, not JSON, when it cannot work (no signing key configured)', async () => {
    const link = signApprovalLink(PUBLIC_URL, 'any', new Date('2030-01-03T00:00:00Z'), SIGNING_KEY);

    const page = await handler(apiGatewayEvent('GET', link), lambdaContext('approval-page'));

    expect(page.statusCode).toBe(500);
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS });
    expect(heading(page)).toBe('Something went wrong');
  });
});
