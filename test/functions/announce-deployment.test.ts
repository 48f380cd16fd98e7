import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../aws/event-rules';
import { type AnnounceDeploymentInput, announceDeployment, handler } from '../../functions/announce-deployment';
import { announceFailure } from '../../functions/announce-failure';
import { useMoto } from '../support/moto';
import { useBusQueue } from '../support/notices';
import { ORCHESTRATOR } from '../support/workflows';
import { lambdaContext } from './support';

useMoto();
const bus = useBusQueue(RULES.notifications, 'notifications');

const COMMIT = '3f2a9c1'.padEnd(40, '0');
const EXECUTION = `arn:aws:states:us-east-1:${ORCHESTRATOR.account}:execution:crossdeploy-pipeline:web-production-3f2a9c1`;
const AT = new Date('2030-01-02T03:04:05Z');
const CAUSE =
  'account/region 333333333333/eu-west-1, cluster/service demo/web: alarms check failed (web-5xx in ALARM); ' +
  'rolled back to web:1';

const input = (overrides: Partial<AnnounceDeploymentInput> = {}): AnnounceDeploymentInput => ({
  event: 'started',
  pipelineId: 'web-production-3f2a9c1',
  executionArn: EXECUTION,
  serviceName: 'web',
  environment: 'prod',
  commit: COMMIT,
  kind: 'deploy',
  failure: null,
  ...overrides,
});

describe('announce-deployment step (announceDeployment)', () => {
  it('puts the notice on the bus, where a rule for notices receives it', async () => {
    const failure = {
      Error: 'DeploymentRolledBack',
      Cause: JSON.stringify({ ExecutionArn: `${EXECUTION}-prod`, Error: 'DeploymentRolledBack', Cause: CAUSE }),
    };

    const output = await announceDeployment(input({ event: 'rolled-back', failure }), {
      events: bus().events,
      now: () => AT,
      consoleUrl: () => undefined,
    });

    expect(output).toEqual({ published: true, detailType: 'Deployment Rolled Back' });
    const received = await bus().received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      source: 'crossdeploy',
      'detail-type': 'Deployment Rolled Back',
      resources: [EXECUTION],
      detail: {
        event: 'rolled-back',
        pipelineId: 'web-production-3f2a9c1',
        executionArn: EXECUTION,
        consoleLink: `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION}`,
        serviceName: 'web',
        environment: 'prod',
        commit: COMMIT,
        kind: 'deploy',
        error: 'DeploymentRolledBack',
        cause: CAUSE,
        reason: `Rolled back (DeploymentRolledBack): ${CAUSE}.`,
        headline: 'The deployment of web 3f2a9c1 to prod was rolled back',
        approval: null,
        at: AT.toISOString(),
      },
    });
  });

  it.each([
    { event: 'started', detailType: 'Deployment Started' },
    { event: 'succeeded', detailType: 'Deployment Succeeded' },
    { event: 'failed', detailType: 'Deployment Failed' },
  ] as const)('announces $event as "$detailType", linking the local console when there is one', async (c) => {
    await announceDeployment(input({ event: c.event, kind: 'rollback' }), {
      events: bus().events,
      consoleUrl: () => 'http://127.0.0.1:8080/',
    });

    const [received] = await bus().received();
    expect(received?.['detail-type']).toBe(c.detailType);
    expect(received?.detail).toMatchObject({
      kind: 'rollback',
      consoleLink: `http://127.0.0.1:8080/?execution=${encodeURIComponent(EXECUTION)}`,
    });
  });

  it('fails with TransientAwsError when the bus refuses the entry in its answer', async () => {
    // moto never refuses one entry of a PutEvents; EventBridge does (throttled, internal failure), so a stub answers.
    const refusing = {
      send: async () => ({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      }),
    };

    await expect(announceDeployment(input(), { events: refusing })).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: 'events:PutEvents crossdeploy (Deployment Started): entry refused: ThrottlingException: Rate exceeded',
    });
  });

  it('fails with what the bus said when it does not exist, which no retry repairs', async () => {
    const events = new EventBridgeClient({ region: ORCHESTRATOR.region });
    try {
      await expect(announceDeployment(input(), { events, eventBusName: () => 'no-such-bus' })).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    } finally {
      events.destroy();
    }
  });
});

describe('announce-deployment handler', () => {
  it('parses the state input and publishes', async () => {
    const output = await handler(input({ event: 'succeeded' }), lambdaContext('crossdeploy-announce-deployment'));

    expect(output).toEqual({ published: true, detailType: 'Deployment Succeeded' });
    expect((await bus().received()).map((e) => e['detail-type'])).toEqual(['Deployment Succeeded']);
  });

  it.each([
    { case: 'an approval-waiting event (request-approval announces those)', patch: { event: 'approval-waiting' } },
    { case: 'no failure key', patch: { failure: undefined } },
    { case: 'an unknown kind', patch: { kind: 'hotfix' } },
  ])('rejects $case with InvalidStepInput', async ({ patch }) => {
    await expect(handler({ ...input(), ...patch }, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidStepInput',
    });
    expect(await bus().received()).toEqual([]);
  });
});

describe('announce-failure step (announceFailure): the pipeline’s one failure exit', () => {
  const where = () => {
    const { event: _event, failure: _failure, ...rest } = input();
    return rest;
  };
  const deps = () => ({ events: bus().events, now: () => AT, consoleUrl: () => undefined });

  it('announces a rolled-back environment by the error its execution named, and returns it for the Fail state', async () => {
    const failure = {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({ ExecutionArn: `${EXECUTION}-prod`, Status: 'FAILED', Error: 'WaveFailed', Cause: CAUSE }),
    };

    const exit = await announceFailure({ ...where(), failure }, deps());

    expect(exit).toEqual({ error: 'WaveFailed', cause: CAUSE });
    const [received] = await bus().received();
    expect(received?.['detail-type']).toBe('Deployment Rolled Back');
    expect(received?.detail).toMatchObject({ error: 'WaveFailed', cause: CAUSE });
  });

  it('announces a rejected approval as a failed deployment, with the approver’s words', async () => {
    const failure = { Error: 'ApprovalRejected', Cause: 'rejected by sam: not today' };

    const exit = await announceFailure({ ...where(), failure }, deps());

    expect(exit).toEqual({ error: 'ApprovalRejected', cause: 'rejected by sam: not today' });
    const [received] = await bus().received();
    expect(received?.['detail-type']).toBe('Deployment Failed');
    expect(received?.detail).toMatchObject({ error: 'ApprovalRejected', cause: 'rejected by sam: not today' });
  });
});
