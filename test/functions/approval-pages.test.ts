import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../core/pipeline-types';
import { approvalFormPage } from '../../functions/approval-page/pages';

/** What request-approval stores for `crossdeploy env deploy prod`: a template version, no image. */
const provisioning: ApprovalRequest = {
  approvalId: 'approval-7',
  pipelineId: 'env-prod-v1-1-a1b2c3d4-bb09539-6a4a68e3',
  serviceName: '_environment',
  environment: 'prod',
  commit: 'bb09539f1f6c2deee48fcd5d1e00a9d701d8df74',
  author: 'arn:aws:sts::111111111111:assumed-role/platform/alice',
  message: 'provision prod from environments/network v1.1',
  image: null,
  template: { kind: 'environments', name: 'network', version: 'v1.1' },
  targets: [
    {
      account: '333333333333',
      region: 'us-east-1',
      what: 'stack crossdeploy-env-prod',
      runs: 'v1.0 (UPDATE_COMPLETE)',
    },
    { account: '333333333333', region: 'eu-west-1', what: 'stack crossdeploy-env-prod', runs: 'no stack yet' },
  ],
  expiresAt: '2030-01-02T04:04:05.000Z',
};

describe('the approval page of a provisioning', () => {
  it('asks about the template version, lists each stack and what it runs, and shows no image', () => {
    const page = approvalFormPage(provisioning, { action: '?expires=1&signature=x' });

    expect(page).toContain('<h1>Approve environments/network v1.1 for prod?</h1>');
    expect(page).toContain('Provisions 2 targets of prod from environments/network v1.1.');
    expect(page).toContain('<dt>Template</dt><dd><code>environments/network v1.1</code></dd>');
    expect(page).toContain('<th>Stack</th>');
    expect(page).toContain(
      '<td class="mono">stack crossdeploy-env-prod</td><td class="mono">v1.0 (UPDATE_COMPLETE)</td>',
    );
    expect(page).toContain('<td class="mono">no stack yet</td>');
    expect(page).not.toContain('<dt>Image</dt>');
  });
});

describe('the approval page of an environment read from the ledger', () => {
  it('says the targets show what crossdeploy last deployed to each, not what each runs now', () => {
    const page = approvalFormPage({ ...provisioning, runsFrom: 'ledger' }, { action: '?expires=1&signature=x' });

    expect(page).toContain('<h2>Targets and what crossdeploy last deployed to each</h2>');
    expect(page).not.toContain('what each runs now');
  });

  it('says what each runs now when it was read in each target', () => {
    const page = approvalFormPage(provisioning, { action: '?expires=1&signature=x' });

    expect(page).toContain('<h2>Targets and what each runs now</h2>');
  });
});
