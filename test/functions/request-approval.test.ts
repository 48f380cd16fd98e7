import { TaskTimedOut } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { withEveryTarget } from '../../aws/approval-targets';
import { RULES } from '../../aws/event-rules';
import { settings } from '../../aws/settings';
import { verifyApprovalLink } from '../../core/approval-link';
import { MAX_LISTED_TARGETS } from '../../core/approval-message';
import { ledgerKey } from '../../core/ledger';
import { sharedS3Client } from '../../functions/lib/clients';
import { handler, requestApproval } from '../../functions/request-approval';
import {
  approvalInput,
  clock,
  PUBLIC_URL,
  REQUESTED_AT,
  SIGNING_KEY,
  stepFunctionsRecorder,
  TIMEOUT_SECONDS,
  useApprovalAws,
} from '../support/browser';
import { putRecord } from '../support/ledger';
import { useMoto } from '../support/moto';
import { useBusQueue } from '../support/notices';
import { IMAGE, live, seed, seedLedger, target } from '../support/workflows';
import { lambdaContext } from './support';

const moto = useMoto();
const time = clock();
const aws = useApprovalAws(() => moto.motoEndpoint(), time);
const notices = useBusQueue(RULES.notifications, 'notifications');
const prodEast = target('333333333333', 'us-east-1');
const prodWest = target('333333333333', 'eu-west-1');
const NEWER = '9c0ffee'.padEnd(40, '1');
const EXPIRES_EPOCH = Math.floor(REQUESTED_AT.getTime() / 1000) + TIMEOUT_SECONDS;

describe('request-approval step (requestApproval)', () => {
  it('stores a pending approval holding the task token, and signs a link that carries no token', async () => {
    await seed([prodEast]);
    const input = await approvalInput([prodEast]);

    const { approvalId, link } = await requestApproval(input, aws().requestDeps({ newId: () => 'approval-1' }));

    expect(approvalId).toBe('approval-1');
    expect(link).toMatch(new RegExp(`^${PUBLIC_URL}/approvals/approval-1\\?expires=${EXPIRES_EPOCH}&signature=`));
    expect(link).not.toContain(input.taskToken);
    const url = new URL(link);
    const params = {
      approvalId,
      expires: url.searchParams.get('expires') ?? '',
      signature: url.searchParams.get('signature') ?? '',
    };
    expect(verifyApprovalLink(params, SIGNING_KEY, REQUESTED_AT)).toBe('valid');
    expect(await aws().record(approvalId)).toEqual({
      approvalId: 'approval-1',
      serviceEnvironment: 'web#prod',
      status: 'pending',
      taskToken: input.taskToken,
      pipelineId: input.pipelineId,
      executionArn: input.executionArn,
      expiresAt: EXPIRES_EPOCH,
      createdAt: REQUESTED_AT.toISOString(),
      request: {
        approvalId: 'approval-1',
        pipelineId: input.pipelineId,
        serviceName: 'web',
        environment: 'prod',
        commit: input.commit,
        author: input.author,
        message: input.message,
        image: IMAGE,
        template: null,
        targets: [{ account: '333333333333', region: 'us-east-1', what: 'demo/web', runs: 'web:1' }],
        expiresAt: new Date(EXPIRES_EPOCH * 1000).toISOString(),
      },
    });
  });

  it("publishes the approval to the environment's topic, naming digest, targets, what each runs and the link", async () => {
    await seed([prodEast]);
    const running = await live(prodEast);

    const { link } = await requestApproval(await approvalInput([prodEast]), aws().requestDeps());

    const published = await aws().publishedApprovals();
    expect(published).toHaveLength(1);
    const [{ subject, message }] = published as [{ subject: string; message: string }];
    expect(subject).toBe('Approve web 3f2a9c1 to prod? Speed up the checkout page');
    expect(message).toContain(IMAGE.digest);
    expect(message).toContain(`333333333333 us-east-1  demo/web  runs web:${running.revision}`);
    expect(message).toContain('Author:   Ada Lovelace <ada@example.com>');
    expect(message).toContain(`\n${link}\n`);
  });

  it('tells the approver that a service made from a template does not exist yet, and that this deploy creates it', async () => {
    await seed([prodEast]);
    const input = await approvalInput([prodEast, { ...prodWest, service: 'web-new' }]);
    const { plan } = input.stage;
    if (plan.targetKind !== 'ecs-service') throw new Error('fixture');
    plan.deployment.serviceInstance = {
      template: { kind: 'services', name: 'web-service', version: 'v1.0' },
      inputs: {},
      stackName: 'crossdeploy-svc-web-prod',
      environmentStack: null,
      rollout: { intervalSeconds: 15, checks: 240 },
    };

    await requestApproval(input, aws().requestDeps());

    const [{ message }] = (await aws().publishedApprovals()) as [{ subject: string; message: string }];
    expect(message).toContain('333333333333 us-east-1  demo/web  runs web:');
    expect(message).toContain(
      '333333333333 eu-west-1  demo/web-new  runs no service yet: this deploy creates it from services/web-service v1.0',
    );
  });

  it('announces on the bus that the deployment waits for approval, without the approval link', async () => {
    await seed([prodEast]);
    const input = await approvalInput([prodEast]);

    const { link } = await requestApproval(
      input,
      aws().requestDeps({ newId: () => 'approval-1', consoleUrl: () => 'http://127.0.0.1:8080' }),
    );

    const received = await notices().received();
    expect(received.map((e) => [e.source, e['detail-type']])).toEqual([['crossdeploy', 'Approval Waiting']]);
    expect(received[0]?.detail).toEqual({
      event: 'approval-waiting',
      pipelineId: input.pipelineId,
      executionArn: input.executionArn,
      consoleLink: `http://127.0.0.1:8080/?execution=${encodeURIComponent(input.executionArn)}`,
      serviceName: 'web',
      environment: 'prod',
      commit: input.commit,
      kind: 'deploy',
      error: null,
      cause: null,
      reason: null,
      headline: 'web 3f2a9c1 waits for approval to deploy to prod',
      approval: {
        approvalId: 'approval-1',
        topic: 'prod-approvals',
        expiresAt: new Date(EXPIRES_EPOCH * 1000).toISOString(),
      },
      at: REQUESTED_AT.toISOString(),
    });
    expect(JSON.stringify(received)).not.toContain(new URL(link).searchParams.get('signature') ?? link);
  });

  it('says a rollback waits, when the gate holds a rollback', async () => {
    await seed([prodEast]);

    await requestApproval(
      await approvalInput([prodEast], { kind: 'rollback' }),
      aws().requestDeps({ newId: () => 'a-2' }),
    );

    const [notice] = await notices().received();
    expect(notice?.detail).toMatchObject({ event: 'approval-waiting', kind: 'rollback' });
  });

  it('requests the approval even when the bus refuses its notice: a retry would e-mail the approvers again', async () => {
    await seed([prodEast]);
    const refusing = {
      send: async () => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }] }),
    };

    const { approvalId } = await requestApproval(
      await approvalInput([prodEast]),
      aws().requestDeps({ events: refusing }),
    );

    expect((await aws().record(approvalId))?.status).toBe('pending');
    expect(await aws().publishedApprovals()).toHaveLength(1);
  });

  it('says which target could not be read instead of failing the gate', async () => {
    await seed([prodEast]);

    const { approvalId } = await requestApproval(await approvalInput([prodEast, prodWest]), aws().requestDeps());

    const targets = (await aws().record(approvalId))?.request.targets;
    expect(targets?.[0]?.runs).toBe('web:1');
    expect(targets?.[1]?.runs).toMatch(
      /^unknown \(ServiceNotFound: service not found \(account\/region 333333333333\/eu-west-1/,
    );
    expect(await aws().publishedApprovals()).toHaveLength(1);
  });

  it("supersedes the older pending approval of the same service and environment, failing its execution's task", async () => {
    await seed([prodEast]);
    const recorder = stepFunctionsRecorder();
    const deps = aws().requestDeps({ sfn: recorder.sfn });
    const older = await requestApproval(await approvalInput([prodEast]), deps);
    time.advance(60);

    const newer = await requestApproval(
      await approvalInput([prodEast], {
        taskToken: 'task-token-of-pipeline-2',
        pipelineId: 'web-9c0ffee',
        commit: NEWER,
      }),
      deps,
    );

    expect(await aws().record(older.approvalId)).toMatchObject({
      status: 'superseded',
      supersededBy: { approvalId: newer.approvalId, commit: NEWER, pipelineId: 'web-9c0ffee' },
    });
    expect((await aws().record(newer.approvalId))?.status).toBe('pending');
    expect(recorder.sent).toEqual([
      {
        command: 'SendTaskFailure',
        input: {
          taskToken: 'task-token-of-pipeline-1',
          error: 'Superseded',
          cause: 'superseded by 9c0ffee (web-9c0ffee)',
        },
      },
    ]);
  });

  it('leaves the older approval pending when the environment queues deployments', async () => {
    await seed([prodEast]);
    const recorder = stepFunctionsRecorder();
    const deps = aws().requestDeps({ sfn: recorder.sfn });
    const older = await requestApproval(await approvalInput([prodEast], { concurrency: 'queued' }), deps);
    time.advance(60);

    await requestApproval(
      await approvalInput([prodEast], { concurrency: 'queued', taskToken: 'task-token-of-pipeline-2', commit: NEWER }),
      deps,
    );

    expect((await aws().record(older.approvalId))?.status).toBe('pending');
    expect(recorder.sent).toEqual([]);
  });

  it('supersedes an approval whose execution no longer waits without failing itself', async () => {
    await seed([prodEast]);
    const gone = stepFunctionsRecorder(
      () => new TaskTimedOut({ message: 'Task Timed Out', $metadata: { httpStatusCode: 400 } }),
    );
    const deps = aws().requestDeps({ sfn: gone.sfn });
    const older = await requestApproval(await approvalInput([prodEast]), deps);
    time.advance(60);

    const newer = await requestApproval(
      await approvalInput([prodEast], { taskToken: 'task-token-of-pipeline-2', commit: NEWER }),
      deps,
    );

    expect((await aws().record(older.approvalId))?.status).toBe('superseded');
    expect((await aws().record(newer.approvalId))?.status).toBe('pending');
    expect(gone.sent).toHaveLength(1);
  });

  it('retires the record of an earlier attempt of the same task without failing the task itself', async () => {
    await seed([prodEast]);
    const recorder = stepFunctionsRecorder();
    const deps = aws().requestDeps({ sfn: recorder.sfn });
    const firstAttempt = await requestApproval(await approvalInput([prodEast]), deps);
    time.advance(5);

    const retry = await requestApproval(await approvalInput([prodEast]), deps);

    expect((await aws().record(firstAttempt.approvalId))?.status).toBe('superseded');
    expect((await aws().record(retry.approvalId))?.status).toBe('pending');
    expect(recorder.sent).toEqual([]);
  });

  it('never supersedes an approval that was already decided', async () => {
    await seed([prodEast]);
    const recorder = stepFunctionsRecorder();
    const deps = aws().requestDeps({ sfn: recorder.sfn });
    const older = await requestApproval(await approvalInput([prodEast]), deps);
    await aws().dynamo.send(
      new UpdateCommand({
        TableName: settings.approvalsTable(),
        Key: { approvalId: older.approvalId },
        UpdateExpression: 'SET #status = :approved',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':approved': 'approved' },
      }),
    );
    time.advance(60);

    await requestApproval(
      await approvalInput([prodEast], { taskToken: 'task-token-of-pipeline-2', commit: NEWER }),
      deps,
    );

    expect((await aws().record(older.approvalId))?.status).toBe('approved');
    expect(recorder.sent).toEqual([]);
  });
});

describe('request-approval handler', () => {
  it('fails with InvalidStepInput naming the task token and the approval when they are missing', async () => {
    const { taskToken: _, ...input } = await approvalInput([prodEast]);

    const failure = handler({ ...input, stage: { ...input.stage, approval: null } }, lambdaContext('request-approval'));

    await expect(failure).rejects.toMatchObject({ name: 'InvalidStepInput' });
    await expect(failure).rejects.toThrow(/taskToken[\s\S]*stage\.approval|stage\.approval[\s\S]*taskToken/);
  });
});

describe('request-approval for an environment of 600 targets', () => {
  const accountOf = (i: number) => String(400000000000 + i);
  const targets = Array.from({ length: 300 }, (_, i) => [
    target(accountOf(i), 'us-east-1'),
    target(accountOf(i), 'eu-west-1'),
  ]).flat();

  it('reads what each runs from the ledger, keeps the first 50 in the approvals table and every target in S3', async () => {
    await seedLedger();
    const [first] = targets;
    if (!first) throw new Error('fixture');
    await putRecord({
      target: ledgerKey('web', 'prod', first),
      deploymentId: 'web-1111111-prod',
      serviceName: 'web',
      environment: 'prod',
      account: first.account,
      region: first.region,
      cluster: first.cluster,
      service: first.service,
      result: 'succeeded',
      taskDefinitionArn: `arn:aws:ecs:us-east-1:${first.account}:task-definition/web:7`,
    });
    const input = await approvalInput(targets);

    const { approvalId } = await requestApproval(input, aws().requestDeps({ newId: () => 'approval-big' }));

    const record = await aws().record(approvalId);
    if (!record) throw new Error('no approval stored');
    expect(record.request.targets).toHaveLength(MAX_LISTED_TARGETS);
    expect(record.request.runsFrom).toBe('ledger');
    expect(record.request.targetsAt).toEqual({
      bucket: settings.artifactsBucket(),
      key: `deployments/${input.stage.plan.deployment.deploymentId}/approval-approval-big.json`,
    });
    expect(JSON.stringify(record).length).toBeLessThan(16 * 1024);
    const every = await withEveryTarget(sharedS3Client(), record.request);
    expect(every.targets).toHaveLength(600);
    expect(every.targets[0]).toEqual({ account: first.account, region: 'us-east-1', what: 'demo/web', runs: 'web:7' });
    expect(new Set(every.targets.slice(1).map((t) => t.runs))).toEqual(new Set(['nothing crossdeploy deployed']));
  });

  it('e-mails where the targets are and what they run, counted, with the first 50 and the link', async () => {
    await seedLedger();

    const { link } = await requestApproval(await approvalInput(targets), aws().requestDeps());

    const [mail] = await aws().publishedApprovals();
    expect(mail?.message).toContain('Targets: 600 targets in 300 accounts; eu-west-1 300, us-east-1 300.');
    expect(mail?.message).toContain(
      'What they run now, as crossdeploy last deployed them: nothing crossdeploy deployed on 600 targets.',
    );
    expect(mail?.message).toContain('  ... and 550 more targets');
    expect(mail?.message).toContain(link);
  });
});
