import { describe, expect, it } from 'vitest';
import { approvalMessage } from '../../core/approval-message';
import type { ApprovalRequest } from '../../core/pipeline-types';
import { SNS_SUBJECT_MAX_CHARS } from '../../core/sns-subject';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const LINK = 'https://deploy.example.com/approvals/0b6f2c9e?expires=1893557045&signature=c2lnbmF0dXJl';

const REQUEST: ApprovalRequest = {
  approvalId: '0b6f2c9e',
  pipelineId: 'web-3f2a9c1',
  serviceName: 'web',
  environment: 'prod',
  commit: '3f2a9c1'.padEnd(40, '0'),
  author: 'Ada Lovelace <ada@example.com>',
  message: 'Speed up the checkout page\n\nCaches the cart for 30 seconds.',
  template: null,
  image: {
    repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web',
    digest: DIGEST,
    uri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@${DIGEST}`,
    platforms: ['linux/amd64'],
  },
  targets: [
    { account: '333333333333', region: 'us-east-1', what: 'demo/web', runs: 'web:7' },
    {
      account: '333333333333',
      region: 'eu-west-1',
      what: 'demo/web',
      runs: 'unknown (RoleNotAssumable: cannot assume ...)',
    },
  ],
  expiresAt: '2030-01-02T04:04:05.000Z',
};

describe('approvalMessage', () => {
  /** `count` targets over accounts × 4 regions, all on web:7 but the last `drifted`, on web:6. */
  const manyTargets = (count: number, drifted = 0) =>
    Array.from({ length: count }, (_, i) => ({
      account: String(200000000000 + Math.floor(i / 4)),
      region: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'][i % 4] as string,
      what: 'demo/web',
      runs: i >= count - drifted ? 'web:6' : 'web:7',
    }));

  it('says what a large deployment runs as crossdeploy last deployed it, when the gate read the ledger', () => {
    const { body } = approvalMessage({ ...REQUEST, targets: manyTargets(5000, 10), runsFrom: 'ledger' }, LINK);

    expect(body.split('\n')).toContain(
      'What they run now, as crossdeploy last deployed them: web:7 on 4,990 targets; web:6 on 10 targets.',
    );
  });

  it('counts the targets of a large deployment, where they are and what they run, then lists the first 50', () => {
    const { body } = approvalMessage({ ...REQUEST, targets: manyTargets(5000, 10) }, LINK);
    const lines = body.split('\n');

    expect(lines).toContain(
      'Targets: 5,000 targets in 1,250 accounts; ap-northeast-1 1,250, eu-west-1 1,250, us-east-1 1,250, us-west-2 1,250.',
    );
    expect(lines).toContain('What they run now: web:7 on 4,990 targets; web:6 on 10 targets.');
    expect(lines.filter((line) => line.startsWith('  - '))).toHaveLength(50);
    expect(lines).toContain('  ... and 4,950 more targets');
    // Far inside SNS's 256 KiB, whatever the number of targets.
    expect(Buffer.byteLength(body)).toBeLessThan(8_000);
  });

  it('lists every target of a deployment of up to 50', () => {
    const { body } = approvalMessage({ ...REQUEST, targets: manyTargets(50) }, LINK);

    expect(body).toContain('Targets (50, account region cluster/service, and what each runs now):');
    expect(body.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(50);
    expect(body).not.toContain('more target');
  });

  it("asks for an application stack's commit like a service's, naming the stack each target runs", () => {
    const commit = REQUEST.commit;
    const { subject, body } = approvalMessage(
      {
        ...REQUEST,
        serviceName: 'orders',
        image: null,
        template: { kind: 'applications', name: 'orders', version: commit },
        targets: [
          {
            account: '333333333333',
            region: 'us-east-1',
            what: 'stack crossdeploy-app-orders-prod',
            runs: `${'a'.repeat(40)} (UPDATE_COMPLETE)`,
          },
        ],
      },
      LINK,
    );

    expect(subject).toBe('Approve orders 3f2a9c1 to prod? Speed up the checkout page');
    expect(body).toContain('orders is waiting for approval to deploy to prod.');
    expect(body).toContain("Template: orders's stack at 3f2a9c1");
    expect(body).toContain('Targets (1, account region stack, and what each runs now):');
    expect(body).toContain(`  - 333333333333 us-east-1  stack crossdeploy-app-orders-prod  runs ${'a'.repeat(40)}`);
  });

  it('writes a body naming everything an approver decides from, and the link', () => {
    expect(approvalMessage(REQUEST, LINK).body).toBe(
      [
        'web is waiting for approval to deploy to prod.',
        '',
        `Commit:   ${REQUEST.commit}`,
        'Author:   Ada Lovelace <ada@example.com>',
        'Message:',
        '  Speed up the checkout page',
        '',
        '  Caches the cart for 30 seconds.',
        '',
        `Image:    111111111111.dkr.ecr.us-east-1.amazonaws.com/web@${DIGEST}`,
        `Digest:   ${DIGEST}`,
        '',
        'Targets (2, account region cluster/service, and what each runs now):',
        '  - 333333333333 us-east-1  demo/web  runs web:7',
        '  - 333333333333 eu-west-1  demo/web  runs unknown (RoleNotAssumable: cannot assume ...)',
        '',
        'Approve or reject on this page:',
        LINK,
        '',
        'The link works once and expires at 2030-01-02T04:04:05.000Z. Opening it decides nothing.',
        'Approval 0b6f2c9e, pipeline web-3f2a9c1.',
        '',
      ].join('\n'),
    );
  });

  it.each<{ name: string; request: Partial<ApprovalRequest>; subject: string }>([
    {
      name: 'puts service, short commit, environment and the message summary in the subject',
      request: {},
      subject: 'Approve web 3f2a9c1 to prod? Speed up the checkout page',
    },
    {
      name: 'leaves the summary out of the subject when the message is empty',
      request: { message: '  \n' },
      subject: 'Approve web 3f2a9c1 to prod?',
    },
    {
      name: 'cuts a long summary to fit the 100 characters SNS allows, marking the cut',
      request: { message: `Refactor ${'the payment gateway adapter '.repeat(5)}` },
      subject: 'Approve web 3f2a9c1 to prod? Refactor the payment gateway adapter the payment gateway adapter the...',
    },
    {
      name: 'replaces characters SNS refuses in a subject (non-ASCII, tabs) with spaces',
      request: { message: 'Füge\tEmoji 🚀 hinzu' },
      subject: 'Approve web 3f2a9c1 to prod? F ge Emoji hinzu',
    },
    {
      name: 'keeps the subject within the limit even for absurdly long names',
      request: { serviceName: 's'.repeat(120) },
      subject: `Approve ${'s'.repeat(92)}`,
    },
  ])('$name', ({ request, subject }) => {
    const message = approvalMessage({ ...REQUEST, ...request }, LINK);

    expect(message.subject).toBe(subject);
    expect(message.subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX_CHARS);
    expect(message.subject).toMatch(/^[\x20-\x7e]+$/);
  });
});
