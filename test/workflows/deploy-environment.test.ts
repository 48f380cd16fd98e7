import { readFileSync } from 'node:fs';
import { DescribeImagesCommand, ECRClient, GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { MAX_TARGET_CAUSE_IN_WAVE } from '../../core/wave';
import { clientForAccount } from '../../local/accounts';
import { stateMachineDefinitions } from '../../local/functions';
import { useMoto } from '../support/moto';
import { past } from '../support/pipeline';
import {
  environmentDeployment,
  IMAGE,
  ledgerRecords,
  live,
  mapIterations,
  ORCHESTRATOR,
  runEnvironment,
  seed,
  startEnvironment,
  target,
  useWorkflows,
} from '../support/workflows';

const moto = useMoto();
const engine = useWorkflows();

const sixTargets = ['222222222222', '333333333333', '444444444444'].flatMap((account) => [
  target(account, 'us-east-1'),
  target(account, 'eu-west-1'),
]);

describe('deploy-environment workflow (state-machines/deploy-environment.asl.json)', () => {
  it('deploys every target of every wave, each as its own nested execution', async () => {
    const [a, b, c] = sixTargets;
    if (!a || !b || !c) throw new Error('fixture');
    await seed([a, b, c]);
    const execution = await runEnvironment(engine(), environmentDeployment([{ targets: [a, b] }, { targets: [c] }]));

    expect(execution.status).toBe('SUCCEEDED');
    for (const t of [a, b, c]) expect((await live(t)).revision).toBe(2);
    const nested = engine()
      .executions()
      .filter((e) => e.stateMachine === 'deploy-target');
    expect(nested.map((e) => e.name).sort()).toEqual(
      [a, b, c].map((t) => `web-dev-3f2a9c1-test-${t.account}-${t.region}`).sort(),
    );
    expect(nested.every((e) => engine().descendants(execution).includes(e))).toBe(true);
  });

  it('starts the deploy workflow of its kind of target, and refuses a kind it has no workflows for before changing anything', async () => {
    const [a] = sixTargets;
    if (!a) throw new Error('fixture');
    await seed([a]);
    const plan = environmentDeployment([{ targets: [a] }]);

    const deployed = await runEnvironment(engine(), plan);
    const unknown = await runEnvironment(engine(), { ...plan, targetKind: 'helm-chart' });

    expect(deployed.status).toBe('SUCCEEDED');
    const started = engine()
      .descendants(deployed)
      .filter((e) => !e.stateMachine.startsWith('deploy-environment/'));
    expect(started.map((e) => e.stateMachine)).toEqual(['deploy-target']);
    expect(unknown.status).toBe('FAILED');
    expect(unknown.error).toBe('UnknownTargetKind');
    expect(unknown.history.some((e) => e.state === 'Open ECR for the environment')).toBe(false);
  });

  it('retries a target whose start Step Functions refuses with its execution limit, and deploys it', async () => {
    const [a] = sixTargets;
    if (!a) throw new Error('fixture');
    await seed([a]);
    engine().refuseNestedStarts('deploy-target', 'ExecutionLimitExceeded');
    const execution = await runEnvironment(engine(), environmentDeployment([{ targets: [a] }]));

    expect(execution.status).toBe('SUCCEEDED');
    const iterations = mapIterations(engine(), execution, 'deploy-targets-of-wave');
    const atStart = iterations.flatMap((i) => i.history).filter((e) => e.state === 'Deploy to target');
    expect(atStart.filter((e) => e.type === 'StateFailed').map((e) => e.error)).toEqual([
      'StepFunctions.ExecutionLimitExceededException',
    ]);
    expect(atStart.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect((await live(a)).revision).toBe(2);
  });

  it('writes the repository policy once, in every region of the environment, before any target deploys', async () => {
    await seed(sixTargets);

    const execution = await runEnvironment(engine(), environmentDeployment([{ targets: sixTargets }]));

    expect(execution.status).toBe('SUCCEEDED');
    expect(moto.scheduler().stats().calls['ecr:SetRepositoryPolicy']).toBe(2);
    const ecr = clientForAccount(ECRClient, ORCHESTRATOR.account, 'eu-west-1');
    const { policyText } = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'web' }));
    ecr.destroy();
    expect(JSON.parse(policyText as string).Statement[0].Principal.AWS).toEqual(
      ['222222222222', '333333333333', '444444444444'].map((a) => `arn:aws:iam::${a}:root`),
    );
    const states = engine().taskResources('deploy-target');
    expect([...states.keys()].filter((state) => state.includes('ECR'))).toEqual([]);
  });

  it('tags the digest each successful wave runs deployed-<environment>-<commit> in every region of the wave', async () => {
    const [a, b] = sixTargets;
    if (!a || !b) throw new Error('fixture');
    await seed([a, b]);
    const plan = environmentDeployment([{ targets: [a, b] }]);

    const execution = await runEnvironment(engine(), plan);

    expect(execution.status).toBe('SUCCEEDED');
    for (const region of [a.region, b.region]) {
      const ecr = clientForAccount(ECRClient, ORCHESTRATOR.account, region);
      const { imageDetails } = await ecr.send(
        new DescribeImagesCommand({ repositoryName: 'web', imageIds: [{ imageDigest: IMAGE.digest }] }),
      );
      ecr.destroy();
      expect({ region, tags: imageDetails?.[0]?.imageTags }).toEqual({
        region,
        tags: expect.arrayContaining([`deployed-dev-${plan.deployment.commit}`]),
      });
    }
  });

  it("registers each target's revision from the map's task definition template when it has one", async () => {
    const [a] = sixTargets;
    if (!a) throw new Error('fixture');
    await seed([a]);
    const template = {
      family: 'web',
      cpu: '1024',
      memory: '2048',
      containerDefinitions: [{ name: 'app', image: 'replaced-by-the-deploy', essential: true, memory: 2048 }],
    };
    const plan = environmentDeployment([{ targets: [a] }]);
    const execution = await runEnvironment(engine(), {
      ...plan,
      deployment: { ...plan.deployment, taskDefinitionTemplate: template },
    });

    expect(execution.status).toBe('SUCCEEDED');
    const now = await live(a);
    expect(now.containers.map((c) => [c.name, c.image])).toEqual([['app', IMAGE.uri]]);
  });

  it('rolls back the whole wave when more targets fail than it tolerates', async () => {
    await seed(sixTargets);
    const [first, , , fourth] = sixTargets;
    if (!first || !fourth) throw new Error('fixture');
    moto.scheduler().injectFault(first, { kind: 'circuit-breaker' });
    moto.scheduler().injectFault(fourth, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });
    const execution = await runEnvironment(
      engine(),
      environmentDeployment([{ targets: sixTargets, maxConcurrency: 3, failureTolerance: 1 }]),
    );

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DeploymentRolledBack');
    expect(execution.cause).toContain('2 of 6');
    // Each failed target is kept as its own error and cause, not the child's whole description.
    const iterations = mapIterations(engine(), execution, 'deploy-targets-of-wave').flatMap((i) => i.history);
    expect(iterations.filter((e) => e.type === 'StateExited' && e.state === 'Read target failure')).toHaveLength(2);
    expect(iterations.some((e) => e.state === 'Record unread target failure')).toBe(false);
    for (const t of sixTargets) expect((await live(t)).revision).toBe(1);
    const rollbackIterations = mapIterations(engine(), execution, 'roll-back-updated-targets-of-wave');
    const waveRollbacks = rollbackIterations.flatMap((i) =>
      engine()
        .executions()
        .filter((e) => e.parentArn === i.executionArn),
    );
    expect(waveRollbacks).toHaveLength(4);
    expect(waveRollbacks.every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });

  it('rolls back a target whose execution was stopped mid-rollout together with the rest of its wave', async () => {
    const [done, stopped] = sixTargets;
    if (!done || !stopped) throw new Error('fixture');
    await seed([done, stopped]);
    moto.scheduler().injectFault(stopped, { kind: 'stuck' });
    const plan = environmentDeployment([{ targets: [done, stopped] }]);
    const execution = await startEnvironment(engine(), plan);
    const child = await engine().started(`${plan.deployment.deploymentId}-${stopped.account}-${stopped.region}`);
    await past(child, 'Update service in target account');
    expect((await live(stopped)).revision).toBe(2);

    moto.scheduler().clearFaults();
    await engine().stop(child.executionArn);
    const ended = await engine().finished(execution.executionArn);

    expect(ended.status).toBe('FAILED');
    expect(ended.cause).toContain(
      `${stopped.account}/${stopped.region} demo/web: its execution ended ABORTED before it could finish or roll itself back`,
    );
    expect((await live(done)).revision).toBe(1);
    expect((await live(stopped)).revision).toBe(1);
    const records = await ledgerRecords();
    expect(records.map((r) => [r.account, r.region, r.result]).sort()).toEqual(
      [
        [done.account, done.region, 'rolled-back'],
        [stopped.account, stopped.region, 'rolled-back'],
      ].sort(),
    );
  });

  it('judges a wave of 400 targets that all fail, within the 256 KiB a state may hold', async () => {
    const accounts = Array.from({ length: 100 }, (_, i) => `2${String(i + 1).padStart(11, '0')}`);
    const regions = ['us-east-1', 'eu-west-1', 'us-west-2', 'ap-northeast-1'];
    const targets = accounts.flatMap((account) => regions.map((region) => target(account, region)));
    // The deploy role cannot be assumed anywhere: every target fails before it touches a service.
    await seed(regions.map((region) => target(ORCHESTRATOR.account, region)));
    for (const account of accounts)
      moto.scheduler().injectFault(target(account, 'us-east-1'), { kind: 'deny-assume-role' });

    const execution = await runEnvironment(engine(), environmentDeployment([{ targets, maxConcurrency: 40 }]));

    expect(execution.error).toBe('RoleNotAssumable');
    expect(execution.cause).toMatch(/^wave 1 of dev: 400 of 400 targets failed \(tolerance 0\); /);
  });

  it("keeps MAX_TARGET_CAUSE_IN_WAVE characters of each failed target's cause in the wave's results", () => {
    const asl = JSON.parse(readFileSync(new URL('deploy-environment.asl.json', stateMachineDefinitions), 'utf8'));
    const read = asl.States['Deploy targets of wave'].ItemProcessor.States['Read target failure'];

    expect(read.Parameters.maxCause).toBe(MAX_TARGET_CAUSE_IN_WAVE);
  });

  it("fails the wave with a target step's error in plain words, without its stack trace", async () => {
    const [a, b] = sixTargets;
    if (!a || !b) throw new Error('fixture');
    await seed([a, b]);
    moto.scheduler().injectFault(b, { kind: 'deny-assume-role' });
    const execution = await runEnvironment(engine(), environmentDeployment([{ targets: [a, b] }]));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RoleNotAssumable');
    expect(execution.cause).toContain(`cannot assume arn:aws:iam::${b.account}:role/crossdeploy-deploy`);
    expect(execution.cause).not.toMatch(/[{}]|errorMessage|trace|\bat /);
    expect((await live(a)).revision).toBe(1);
  });

  it('keeps a wave that stays within its failure tolerance', async () => {
    await seed(sixTargets);
    const [first] = sixTargets;
    if (!first) throw new Error('fixture');
    moto.scheduler().injectFault(first, { kind: 'circuit-breaker' });
    const execution = await runEnvironment(
      engine(),
      environmentDeployment([{ targets: sixTargets, maxConcurrency: 6, failureTolerance: 1 }]),
    );

    expect(execution.status).toBe('SUCCEEDED');
    expect((await live(first)).revision).toBe(1);
    for (const t of sixTargets.slice(1)) expect((await live(t)).revision).toBe(2);
  });

  it('keeps earlier waves and never starts later ones when a wave fails', async () => {
    const [a, b, c] = sixTargets;
    if (!a || !b || !c) throw new Error('fixture');
    await seed([a, b, c]);
    moto.scheduler().injectFault(b, { kind: 'circuit-breaker' });
    const execution = await runEnvironment(
      engine(),
      environmentDeployment([{ targets: [a] }, { targets: [b] }, { targets: [c] }]),
    );

    expect(execution.status).toBe('FAILED');
    expect((await live(a)).revision).toBe(2);
    expect((await live(b)).revision).toBe(1);
    expect((await live(c)).revision).toBe(1);
    const started = engine()
      .executions()
      .filter((e) => e.stateMachine === 'deploy-target')
      .map((e) => (e.input as { target: { account: string } }).target.account);
    expect(started).not.toContain(c.account);
  });
});
