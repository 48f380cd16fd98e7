// Whether the deploy role's own policy lets RegisterTaskDefinition pass a revision's task and execution roles:
// ECS checks iam:PassRole for each role a task definition names, passed to ecs-tasks.amazonaws.com
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html). Evaluated offline with
// @cloud-copilot/iam-simulate, so doctor says which role a deploy would be refused before it is tried.

import { runSimulation } from '@cloud-copilot/iam-simulate';
import { iamArnIn } from '../partition';

export type RoleKind = 'task' | 'execution';

/** A role a task definition names, as its ARN (task definitions may give a bare role name). */
export function roleArnOf(role: string, account: string, region: string): string {
  return role.startsWith('arn:') ? role : iamArnIn(region, account, `role/${role}`);
}

/**
 * Whether `principalArn`, holding `policyDocument` (an identity policy as JSON), may pass `roleArn` to ECS
 * tasks. Throws when the policy cannot be evaluated (invalid JSON or policy grammar).
 */
export async function mayPassToEcsTasks(
  policyDocument: string,
  principalArn: string,
  roleArn: string,
): Promise<boolean> {
  const account = /^arn:[\w-]+:iam::(\d{12}):role\//.exec(roleArn)?.[1] ?? '';
  const result = await runSimulation(
    {
      request: {
        principal: principalArn,
        action: 'iam:PassRole',
        resource: { resource: roleArn, accountId: account },
        contextVariables: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com', 'aws:PrincipalArn': principalArn },
      },
      identityPolicies: [{ name: 'deploy-role', policy: JSON.parse(policyDocument) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`the deploy role's policy cannot be evaluated: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult === 'Allowed';
}
