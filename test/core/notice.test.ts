import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatMessage, describeAlert, describeNotice, snsMessage } from '../../core/channels';
import {
  buildNotice,
  type DeploymentNotice,
  deploymentNotice,
  NOTICE_DETAIL_TYPE,
  type NoticeFacts,
  noticeEventOf,
} from '../../core/notice';
import { SNS_SUBJECT_MAX_CHARS } from '../../core/sns-subject';
import { decodeTargetEvent } from '../../core/target-events';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8'));

const COMMIT = '3f2a9c1'.padEnd(40, '0');
const EXECUTION = 'arn:aws:states:us-east-1:111111111111:execution:crossdeploy-pipeline:web-production-3f2a9c1-ab12';
const LINK = `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION}`;
const ROLLED_BACK_CAUSE =
  'account/region 333333333333/eu-west-1, cluster/service demo/web: alarms check failed (web-5xx in ALARM); ' +
  'rolled back to web:1';

/** A child execution's failure as `startExecution.sync:2` reports it: its description, as JSON. */
const childFailure = (error: string, cause: string) =>
  JSON.stringify({ ExecutionArn: `${EXECUTION}-child`, Status: 'FAILED', Error: error, Cause: cause });

const facts = (overrides: Partial<NoticeFacts> = {}): NoticeFacts => ({
  event: 'failed',
  pipelineId: 'web-production-3f2a9c1',
  executionArn: EXECUTION,
  consoleLink: LINK,
  serviceName: 'web',
  environment: 'prod',
  commit: COMMIT,
  kind: 'deploy',
  failure: null,
  at: new Date('2030-01-02T03:04:05Z'),
  ...overrides,
});

describe('buildNotice', () => {
  it('keeps the innermost error and cause of a nested failure, and says it in plain words', () => {
    const notice = buildNotice(
      facts({
        event: 'rolled-back',
        failure: {
          Error: 'States.TaskFailed',
          Cause: childFailure('DeploymentRolledBack', ROLLED_BACK_CAUSE),
        },
      }),
    );

    expect(notice).toEqual({
      event: 'rolled-back',
      pipelineId: 'web-production-3f2a9c1',
      executionArn: EXECUTION,
      consoleLink: LINK,
      serviceName: 'web',
      environment: 'prod',
      commit: COMMIT,
      kind: 'deploy',
      error: 'DeploymentRolledBack',
      cause: ROLLED_BACK_CAUSE,
      reason: `Rolled back (DeploymentRolledBack): ${ROLLED_BACK_CAUSE}.`,
      headline: 'The deployment of web 3f2a9c1 to prod was rolled back',
      approval: null,
      at: '2030-01-02T03:04:05.000Z',
    });
    expect(deploymentNotice.parse(JSON.parse(JSON.stringify(notice)))).toEqual(notice);
  });

  it.each([
    { event: 'started', kind: 'deploy', headline: 'Deploying web 3f2a9c1 to prod' },
    { event: 'succeeded', kind: 'deploy', headline: 'Deployed web 3f2a9c1 to prod' },
    { event: 'failed', kind: 'deploy', headline: 'The deployment of web 3f2a9c1 to prod failed' },
    { event: 'rolled-back', kind: 'deploy', headline: 'The deployment of web 3f2a9c1 to prod was rolled back' },
    { event: 'approval-waiting', kind: 'deploy', headline: 'web 3f2a9c1 waits for approval to deploy to prod' },
    { event: 'started', kind: 'rollback', headline: 'Rolling back web in prod to 3f2a9c1' },
    { event: 'succeeded', kind: 'rollback', headline: 'Rolled back web in prod to 3f2a9c1' },
    { event: 'failed', kind: 'rollback', headline: 'The rollback of web in prod to 3f2a9c1 failed' },
    { event: 'rolled-back', kind: 'rollback', headline: 'The rollback of web in prod to 3f2a9c1 was undone' },
  ] as const)(
    'a $kind that $event reads "$headline", with no reason when nothing failed',
    ({ event, kind, headline }) => {
      const notice = buildNotice(facts({ event, kind }));

      expect(notice.headline).toBe(headline);
      expect([notice.error, notice.cause, notice.reason]).toEqual([null, null, null]);
    },
  );

  it('maps each event to its detail-type and back', () => {
    expect(NOTICE_DETAIL_TYPE).toEqual({
      started: 'Deployment Started',
      succeeded: 'Deployment Succeeded',
      failed: 'Deployment Failed',
      'rolled-back': 'Deployment Rolled Back',
      'approval-waiting': 'Approval Waiting',
    });
    for (const [event, detailType] of Object.entries(NOTICE_DETAIL_TYPE)) expect(noticeEventOf(detailType)).toBe(event);
    expect(noticeEventOf('Approval Decision')).toBeUndefined();
  });
});

describe('messages', () => {
  const failed: DeploymentNotice = buildNotice(
    facts({ failure: { Error: 'DeploymentRolledBack', Cause: `${ROLLED_BACK_CAUSE} <none> & more` } }),
  );

  it('gives chat a Slack-compatible message with the reason, the facts and the console link', () => {
    const message = chatMessage(describeNotice(failed));

    expect(message).toEqual({
      text:
        'The deployment of web 3f2a9c1 to prod failed: Rolled back (DeploymentRolledBack): ' +
        `${ROLLED_BACK_CAUSE} &lt;none&gt; &amp; more.`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              ':x: *The deployment of web 3f2a9c1 to prod failed*\nRolled back (DeploymentRolledBack): ' +
              `${ROLLED_BACK_CAUSE} &lt;none&gt; &amp; more.`,
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Service*\nweb' },
            { type: 'mrkdwn', text: '*Environment*\nprod' },
            { type: 'mrkdwn', text: `*Commit*\n${COMMIT}` },
            { type: 'mrkdwn', text: '*Pipeline*\nweb-production-3f2a9c1' },
            { type: 'mrkdwn', text: '*At*\n2030-01-02T03:04:05.000Z' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `<${LINK}|Open the execution>` }] },
      ],
    });
  });

  it('gives SNS a one-line ASCII subject of at most 100 characters and a plain-text body', () => {
    const { subject, body, attributes } = snsMessage(describeNotice(failed));

    expect(subject).toBe('crossdeploy: The deployment of web 3f2a9c1 to prod failed');
    expect(body).toBe(
      [
        'The deployment of web 3f2a9c1 to prod failed.',
        '',
        `Rolled back (DeploymentRolledBack): ${ROLLED_BACK_CAUSE} <none> & more.`,
        '',
        'Service:     web',
        'Environment: prod',
        `Commit:      ${COMMIT}`,
        'Pipeline:    web-production-3f2a9c1',
        'At:          2030-01-02T03:04:05.000Z',
        '',
        'Open the execution:',
        LINK,
        '',
      ].join('\n'),
    );
    expect(attributes).toEqual({ event: 'failed', kind: 'deploy', service: 'web', environment: 'prod' });
  });

  it.each([
    { serviceName: 'checkout-'.repeat(20), environment: 'prod' },
    { serviceName: 'web', environment: 'prod\nwith a newline and ünïcödé' },
  ])('keeps the subject valid for $serviceName.length-character services and odd environments', (names) => {
    const { subject } = snsMessage(describeNotice(buildNotice(facts(names))));

    expect(subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX_CHARS);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('tells that approvers were sent the link, and never carries one', () => {
    const waiting = buildNotice(
      facts({
        event: 'approval-waiting',
        approval: { approvalId: 'approval-1', topic: 'prod-approvals', expiresAt: '2030-01-03T03:04:05.000Z' },
      }),
    );
    const note =
      'Approvers were sent the approval link through the prod-approvals topic; it expires at ' +
      '2030-01-03T03:04:05.000Z (approval approval-1).';

    const chat = chatMessage(describeNotice(waiting));
    const sns = snsMessage(describeNotice(waiting));

    expect(chat.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: note },
        { type: 'mrkdwn', text: `<${LINK}|Open the execution>` },
      ],
    });
    expect(sns.body).toContain(`\n${note}\n`);
    expect(JSON.stringify([chat, sns])).not.toMatch(/approvals\/approval-1|signature=/);
  });

  it('says where a forwarded failure happened', () => {
    const alert = decodeTargetEvent(fixture('ecs-deployment-failed.json'));
    if (!alert) throw new Error('the fixture decodes to an alert');

    const chat = chatMessage(describeAlert(alert));
    const sns = snsMessage(describeAlert(alert));

    expect(chat.text).toBe(
      'ECS deployment failed: demo/web in 333333333333/eu-west-1: ECS deployment circuit breaker: task failed to start.',
    );
    expect(chat.blocks[0]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          ':rotating_light: *ECS deployment failed: demo/web in 333333333333/eu-west-1*\n' +
          'ECS deployment circuit breaker: task failed to start.',
      },
    });
    expect(sns.subject).toBe('crossdeploy: ECS deployment failed: demo/web in 333333333333/eu-west-1');
    expect(sns.body).toContain('Account: 333333333333\nRegion:  eu-west-1\nService: demo/web\n');
    expect(sns.attributes).toEqual({
      event: 'target-alert',
      source: 'aws.ecs',
      account: '333333333333',
      region: 'eu-west-1',
    });
  });
});
