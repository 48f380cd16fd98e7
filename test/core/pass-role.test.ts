import { describe, expect, it } from 'vitest';
import { mayPassToEcsTasks, roleArnOf } from '../../core/iam/pass-role';
import { targetAccountResources } from '../support/target-account';

const TARGET = '222222222222';
const DEPLOY_ROLE = `arn:aws:iam::${TARGET}:role/crossdeploy-deploy`;
/** The deploy role's policy as the template creates it, as GetRolePolicy returns it (decoded). */
function deployRolePolicy(parameters: Record<string, string> = {}): string {
  const properties = targetAccountResources(TARGET, parameters).DeployRole?.Properties as
    | { Policies: { PolicyDocument: unknown }[] }
    | undefined;
  return JSON.stringify(properties?.Policies[0]?.PolicyDocument);
}

describe('mayPassToEcsTasks with the policy the target-account template gives the deploy role', () => {
  it.each([
    ['a task role of the task role pattern', {}, 'web-task', true],
    ["the account's ecsTaskExecutionRole, by default", {}, 'ecsTaskExecutionRole', true],
    ['a role of neither pattern', {}, 'admin', false],
    [
      'an execution role of its own pattern',
      { ExecutionRoleArnPattern: 'arn:aws:iam::*:role/exec-*' },
      'exec-web',
      true,
    ],
    [
      'ecsTaskExecutionRole once another execution role pattern is set',
      { ExecutionRoleArnPattern: 'arn:aws:iam::*:role/exec-*' },
      'ecsTaskExecutionRole',
      false,
    ],
  ])('%s', async (_, parameters, role, allowed) => {
    expect(
      await mayPassToEcsTasks(deployRolePolicy(parameters), DEPLOY_ROLE, roleArnOf(role, TARGET, 'us-east-1')),
    ).toBe(allowed);
  });

  it('refuses a role the policy allows only for another service', async () => {
    const lambdaOnly = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: '*',
          Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        },
      ],
    });
    expect(await mayPassToEcsTasks(lambdaOnly, DEPLOY_ROLE, `arn:aws:iam::${TARGET}:role/web-task`)).toBe(false);
  });
});

describe('roleArnOf', () => {
  it.each([
    ['ecsTaskExecutionRole', 'us-east-1', `arn:aws:iam::${TARGET}:role/ecsTaskExecutionRole`],
    ['web-task', 'cn-north-1', `arn:aws-cn:iam::${TARGET}:role/web-task`],
    ['web-task', 'us-gov-west-1', `arn:aws-us-gov:iam::${TARGET}:role/web-task`],
    [`arn:aws:iam::${TARGET}:role/path/web-task`, 'us-east-1', `arn:aws:iam::${TARGET}:role/path/web-task`],
  ])('reads %s in %s as %s', (role, region, arn) => {
    expect(roleArnOf(role, TARGET, region)).toBe(arn);
  });
});
