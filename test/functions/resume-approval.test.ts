import { InvalidToken, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { approvalPage } from '../../functions/approval-page';
import { requestApproval } from '../../functions/request-approval';
import { type ApprovalDecisionEvent, handler, resumeApproval } from '../../functions/resume-approval';
import { apiGatewayEvent, approvalInput, clock, stepFunctionsRecorder, useApprovalAws } from '../support/browser';
import { useMoto } from '../support/moto';
import { seed, target } from '../support/workflows';
import { lambdaContext } from './support';

const moto = useMoto();
const time = clock();
const aws = useApprovalAws(() => moto.motoEndpoint(), time);
const prodEast = target('333333333333', 'us-east-1');
const TOKEN = 'task-token-of-pipeline-1';

/** Requests an approval, decides it on the page, and returns the event the bus rule delivered. */
async function decided(fields: Record<string, string>): Promise<ApprovalDecisionEvent> {
  await seed([prodEast]);
  const { link } = await requestApproval(await approvalInput([prodEast]), aws().requestDeps());
  time.advance(60);
  const page = await approvalPage(
    apiGatewayEvent('POST', link, new URLSearchParams(fields).toString()),
    aws().pageDeps(),
  );
  expect(page.statusCode).toBe(200);
  const [event, ...more] = await aws().deliveredDecisions();
  expect(more).toEqual([]);
  return event as ApprovalDecisionEvent;
}

describe('resume-approval (resumeApproval)', () => {
  it("hands an approval to the waiting execution as its task's output", async () => {
    const event = await decided({ decision: 'approve', approver: 'ada@example.com', comment: 'ship it' });
    const recorder = stepFunctionsRecorder();

    const outcome = await resumeApproval(event, aws().resumeDeps({ sfn: recorder.sfn }));

    expect(outcome).toEqual({ approvalId: event.detail.approvalId, resumed: true });
    expect(recorder.sent).toEqual([
      {
        command: 'SendTaskSuccess',
        input: {
          taskToken: TOKEN,
          output: JSON.stringify({
            approved: true,
            approver: 'ada@example.com',
            comment: 'ship it',
            decidedAt: '2030-01-02T03:05:05.000Z',
          }),
        },
      },
    ]);
  });

  it('fails the waiting task with ApprovalRejected, naming who rejected it and why', async () => {
    const event = await decided({ decision: 'reject', approver: 'Grace Hopper', comment: 'not during the sale' });
    const recorder = stepFunctionsRecorder();

    await resumeApproval(event, aws().resumeDeps({ sfn: recorder.sfn }));

    expect(recorder.sent).toEqual([
      {
        command: 'SendTaskFailure',
        input: { taskToken: TOKEN, error: 'ApprovalRejected', cause: 'rejected by Grace Hopper: not during the sale' },
      },
    ]);
  });

  it('leaves the colon out of the cause when the rejection has no comment', async () => {
    const event = await decided({ decision: 'reject', approver: 'Grace Hopper' });
    const recorder = stepFunctionsRecorder();

    await resumeApproval(event, aws().resumeDeps({ sfn: recorder.sfn }));

    expect(recorder.sent[0]?.input).toEqual({
      taskToken: TOKEN,
      error: 'ApprovalRejected',
      cause: 'rejected by Grace Hopper',
    });
  });

  it.each([
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', () => new InvalidToken({ message: 'Invalid Token', $metadata: {} })],
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
  ])('logs and ignores %s: the execution no longer waits, and a retry could never succeed', async (_, gone) => {
    const event = await decided({ decision: 'approve', approver: 'ada@example.com' });
    const recorder = stepFunctionsRecorder(gone);

    const outcome = await resumeApproval(event, aws().resumeDeps({ sfn: recorder.sfn }));

    expect(outcome).toEqual({ approvalId: event.detail.approvalId, resumed: false });
    expect(recorder.sent).toHaveLength(1);
  });

  it('fails with TransientAwsError when Step Functions throttles, so the invoke is retried', async () => {
    const event = await decided({ decision: 'approve', approver: 'ada@example.com' });
    const throttled = stepFunctionsRecorder(() =>
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    );

    await expect(resumeApproval(event, aws().resumeDeps({ sfn: throttled.sfn }))).rejects.toMatchObject({
      name: 'TransientAwsError',
    });
  });

  it.each<{ name: string; forge: (e: ApprovalDecisionEvent) => ApprovalDecisionEvent; message: RegExp }>([
    {
      name: 'the decision differs from the recorded one',
      forge: (e) => ({ ...e, detail: { ...e.detail, decision: 'reject' } }),
      message: /is approved by ada@example.com at .*, but the event says reject/,
    },
    {
      name: 'the approver differs from the recorded one',
      forge: (e) => ({ ...e, detail: { ...e.detail, approver: 'mallory@example.com' } }),
      message: /but the event says approve by mallory@example.com/,
    },
    {
      name: 'the approval does not exist',
      forge: (e) => ({ ...e, detail: { ...e.detail, approvalId: 'no-such-approval' } }),
      message: /approval no-such-approval does not exist/,
    },
  ])('resumes nothing and fails with DecisionNotRecorded when $name', async ({ forge, message }) => {
    const event = await decided({ decision: 'approve', approver: 'ada@example.com' });
    const recorder = stepFunctionsRecorder();

    const failure = resumeApproval(forge(event), aws().resumeDeps({ sfn: recorder.sfn }));

    await expect(failure).rejects.toMatchObject({ name: 'DecisionNotRecorded' });
    await expect(failure).rejects.toThrow(message);
    expect(recorder.sent).toEqual([]);
  });

  it('resumes nothing for a decision event about an approval that is still pending', async () => {
    await seed([prodEast]);
    const { approvalId } = await requestApproval(await approvalInput([prodEast]), aws().requestDeps());
    const recorder = stepFunctionsRecorder();
    const forged: ApprovalDecisionEvent = {
      source: 'crossdeploy',
      'detail-type': 'Approval Decision',
      detail: {
        approvalId,
        decision: 'approve',
        approver: 'mallory',
        comment: '',
        decidedAt: time.now().toISOString(),
      },
    };

    await expect(resumeApproval(forged, aws().resumeDeps({ sfn: recorder.sfn }))).rejects.toThrow(
      /is pending, but the event says approve by mallory/,
    );
    expect(recorder.sent).toEqual([]);
  });
});

describe('resume-approval handler', () => {
  it('fails with InvalidStepInput naming what is missing from the event', async () => {
    const failure = handler({ source: 'crossdeploy', 'detail-type': 'Push', detail: {} }, lambdaContext());

    await expect(failure).rejects.toMatchObject({ name: 'InvalidStepInput' });
    await expect(failure).rejects.toThrow(/detail-type[\s\S]*detail\.approvalId/);
  });

  it('takes the event exactly as the bus rule delivers it and checks it against the record', async () => {
    const event = await decided({ decision: 'approve', approver: 'ada@example.com' });
    const forged = { ...event, detail: { ...event.detail, approver: 'mallory@example.com' } };

    // The record check runs before any Step Functions call, so the default clients reach only DynamoDB.
    await expect(handler(forged, lambdaContext('resume-approval'))).rejects.toMatchObject({
      name: 'DecisionNotRecorded',
    });
  });
});
