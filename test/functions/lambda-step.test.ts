import { describe, expect, it } from 'vitest';
import { InvalidStepInput } from '../../core/errors';
import { handler as assumeDeployRole } from '../../functions/assume-deploy-role';
import { handler as checkHealth } from '../../functions/check-health';
import { handler as checkRollout } from '../../functions/check-rollout';
import { handler as evaluateWave } from '../../functions/evaluate-wave';
import type { LambdaStepHandler } from '../../functions/lib/lambda-step';
import { handler as openEcr } from '../../functions/open-ecr';
import { handler as registerTaskDefinition } from '../../functions/register-task-definition';
import { handler as rollBackService } from '../../functions/roll-back-service';
import { handler as updateService } from '../../functions/update-service';
import { seedRepository, useMoto } from '../support/moto';
import { target, targetDeployment, useWorkflows } from '../support/workflows';
import { lambdaContext, seeded } from './support';

const moto = useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the handler to fail');
    },
    (error: unknown) => error as Error,
  );
}

const HANDLERS: { step: string; handler: LambdaStepHandler<unknown>; missing: string[] }[] = [
  { step: 'assume-deploy-role', handler: assumeDeployRole, missing: ['deployment', 'target'] },
  { step: 'open-ecr', handler: openEcr, missing: ['orchestrator', 'ecr'] },
  { step: 'register-task-definition', handler: registerTaskDefinition, missing: ['deployment', 'target'] },
  { step: 'update-service', handler: updateService, missing: ['deployment', 'revision'] },
  { step: 'check-rollout', handler: checkRollout, missing: ['target', 'taskDefinitionArn', 'progress'] },
  { step: 'check-health', handler: checkHealth, missing: ['target', 'health', 'progress'] },
  { step: 'roll-back-service', handler: rollBackService, missing: ['deploymentId', 'revision', 'reason'] },
  { step: 'evaluate-wave', handler: evaluateWave, missing: ['environment', 'waveNumber', 'store'] },
];

describe('Lambda handler wrapper (lambdaStep)', () => {
  it.each(HANDLERS)(
    '$step rejects {} with InvalidStepInput naming the missing fields',
    async ({ step, handler, missing }) => {
      const error = await failureOf(handler({}, lambdaContext(step)));

      expect(error).toBeInstanceOf(InvalidStepInput);
      expect(error.name).toBe('InvalidStepInput');
      expect(error.message).toContain(`${step}: invalid input`);
      for (const field of missing) expect(error.message).toContain(field);
    },
  );

  it('names only the field that is missing when the rest of the input is valid', async () => {
    const { deployment, target } = targetDeployment(dev);
    const { image: _, ...withoutImage } = deployment;

    const error = await failureOf(registerTaskDefinition({ deployment: withoutImage, target }, lambdaContext()));

    expect(error.name).toBe('InvalidStepInput');
    expect(error.message).toContain('image');
    expect(error.message).not.toContain('deploymentId');
    expect(moto.scheduler().stats().calls['ecs:DescribeServices'] ?? 0).toBe(0);
  });

  it('names a field whose value has the wrong shape', async () => {
    const input = targetDeployment({ ...dev, account: '2222' });

    const error = await failureOf(assumeDeployRole(input, lambdaContext()));

    expect(error.name).toBe('InvalidStepInput');
    expect(error.message).toContain('target.account');
  });

  it('keeps the name of a terminal error the step throws, so the state machine can catch it', async () => {
    await seeded(dev);

    const error = await failureOf(
      registerTaskDefinition(targetDeployment({ ...dev, service: 'api' }), lambdaContext()),
    );

    expect(error.name).toBe('ServiceNotFound');
    expect(error.message).toContain('cluster/service demo/api');
  });

  it('keeps the name of a transient error, so the state machine retries it', async () => {
    await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 1, operations: ['DescribeServices'] });

    const error = await failureOf(registerTaskDefinition(targetDeployment(dev), lambdaContext()));

    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toContain('ThrottlingException');
  });

  it("returns the step's output when the input is valid", async () => {
    await seedRepository('web');

    const output = await openEcr(targetDeployment(dev).deployment, lambdaContext('open-ecr'));

    expect(output).toEqual({ regions: { 'us-east-1': 'written' } });
  });

  it('accepts state the step does not read, as Step Functions passes the whole execution state', async () => {
    await seeded(dev);

    const output = await assumeDeployRole({ ...targetDeployment(dev), revision: { reused: false } }, lambdaContext());

    expect(output).toEqual({ roleArn: 'arn:aws:iam::222222222222:role/crossdeploy-deploy' });
  });
});
