import { describe, expect, it } from 'vitest';
import { RoleNotAssumable } from '../../core/errors';
import { assumeRoleInTarget } from '../../functions/assume-deploy-role';
import { useMoto } from '../support/moto';
import { target, targetDeployment, useWorkflows } from '../support/workflows';

const moto = useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');
const prod = target('333333333333', 'us-east-1');
const assumeRoleCalls = () => moto.scheduler().stats().calls['sts:AssumeRole'] ?? 0;

describe('assume-deploy-role step (assumeRoleInTarget)', () => {
  it("returns the ARN of the target account's deploy role once it could assume it", async () => {
    const result = await assumeRoleInTarget(targetDeployment(dev));

    expect(result).toEqual({ roleArn: 'arn:aws:iam::222222222222:role/crossdeploy-deploy' });
  });

  it('assumes the role once and reuses the credentials for the next step in the same account', async () => {
    const before = assumeRoleCalls();

    await assumeRoleInTarget(targetDeployment(dev));
    await assumeRoleInTarget(targetDeployment(dev));

    expect(assumeRoleCalls()).toBe(before + 1);
  });

  it('fails with RoleNotAssumable naming the account and the role ARN when the account refuses the role', async () => {
    moto.scheduler().injectFault(dev, { kind: 'deny-assume-role' });

    const error = await assumeRoleInTarget(targetDeployment(dev)).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(RoleNotAssumable);
    const denied = error as RoleNotAssumable;
    expect(denied.name).toBe('RoleNotAssumable');
    expect(denied.account).toBe('222222222222');
    expect(denied.roleArn).toBe('arn:aws:iam::222222222222:role/crossdeploy-deploy');
    expect(denied.message).toContain('account 222222222222');
    expect(denied.message).toContain('arn:aws:iam::222222222222:role/crossdeploy-deploy');
    expect(denied.message).toContain('AccessDenied');
  });

  it('still assumes the role in an account the fault does not name', async () => {
    moto.scheduler().injectFault(dev, { kind: 'deny-assume-role' });

    await expect(assumeRoleInTarget(targetDeployment(prod))).resolves.toEqual({
      roleArn: 'arn:aws:iam::333333333333:role/crossdeploy-deploy',
    });
  });
});
