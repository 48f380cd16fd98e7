// deploy-stack's first change in a target: a change set that brings the stack to the deployment's template
// version and inputs. Nothing runs yet; CloudFormation prepares the change set while the workflow waits.

import { z } from 'zod';
import { stackExecutionRoleArn } from '../aws/deploy-role';
import { type CfnLike, createChangeSet, describeStack, type StackSnapshot } from '../aws/stacks';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import {
  type StackRevision,
  stackRevision,
  stackTarget,
  stackTemplateRef,
  targetStackDeployment,
} from '../core/contracts';
import { StackBusy, StackNotDeployable, StackParametersUnresolved, describeStack as where } from '../core/errors';
import { changeSetNameOf } from '../core/stacks/names';
import { STACK_TAGS, stackRevisionOf } from '../core/stacks/revision';
import { acceptsChangeSet } from '../core/stacks/status';
import { declaredParameters } from '../core/templates/parameters';
import { serviceStackParameters } from '../core/templates/wiring';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { type TemplateSource, templateSource } from './lib/template-source';

export interface PreparedChangeSet {
  changeSetId: string;
  stackId: string;
  type: 'CREATE' | 'UPDATE';
  /** What the stack ran before, as the wave engine hands it to the rollback (JSON text), and what it gets. */
  revision: { previous: string; current: string };
  /** Checks of the change set made so far. */
  checks: 0;
}

/**
 * A deploy brings the map's template version and inputs; a rollback (rollback-stack) brings back the version and
 * the parameters the stack had, so its parameters are not resolved again.
 */
const input = z.union([
  targetStackDeployment,
  z.object({
    deploymentId: z.string().min(1),
    target: stackTarget,
    deployRole: targetStackDeployment.shape.deployment.shape.deployRole,
    restore: stackRevision.extend({ template: stackTemplateRef }),
  }),
]);

export async function prepareChangeSet(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
  templates: TemplateSource = templateSource(),
): Promise<PreparedChangeSet> {
  const { target } = event;
  const [deploymentId, role] =
    'deployment' in event
      ? [event.deployment.deploymentId, event.deployment.deployRole]
      : [event.deploymentId, event.deployRole];
  const { cloudformation } = clients(target, role);
  const stack = await describeStack(cloudformation, target);
  const type = changeSetTypeFor(target, stack);
  const template = 'deployment' in event ? event.deployment.template : event.restore.template;
  const body = (await templates(template)).body;
  const parameters =
    'deployment' in event ? await resolveParameters(event, body, cloudformation) : event.restore.parameters;
  const revision: StackRevision = stackRevisionOf(stack);
  const { changeSetId, stackId } = await createChangeSet(cloudformation, target, {
    changeSetName: changeSetNameOf(deploymentId),
    type,
    body,
    parameters,
    tags: {
      [STACK_TAGS.template]: `${template.kind}/${template.name}`,
      [STACK_TAGS.version]: template.version,
      [STACK_TAGS.deployment]: deploymentId,
    },
    description: `crossdeploy ${deploymentId}: ${template.kind}/${template.name} ${template.version}`,
    roleArn: stackExecutionRoleArn(target, role),
  });
  logger.info('change set created', {
    account: target.account,
    region: target.region,
    stack: target.stackName,
    type,
    version: template.version,
  });
  return {
    changeSetId,
    stackId,
    type,
    revision: { previous: JSON.stringify(revision), current: template.version },
    checks: 0,
  };
}

function changeSetTypeFor(target: z.infer<typeof stackTarget>, stack: StackSnapshot | undefined): 'CREATE' | 'UPDATE' {
  if (!stack) return 'CREATE';
  switch (acceptsChangeSet(stack.status)) {
    case 'create':
      return 'CREATE';
    case 'update':
      return 'UPDATE';
    case 'busy':
      throw new StackBusy(`${where(target)}: the stack is ${stack.status}; another operation runs on it`);
    case 'blocked':
      throw new StackNotDeployable(
        `${where(target)}: the stack is ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ''}: ` +
          'delete it (a creation that rolled back) or continue its rollback, then deploy again',
      );
  }
}

/**
 * The map's inputs, and for a service instance its environment stack's outputs and what the deployment gives it
 * (its image, the names the map gives its service): nobody copies an ARN by hand.
 */
async function resolveParameters(event: z.infer<typeof targetStackDeployment>, body: string, cloudformation: CfnLike) {
  const { deployment, target } = event;
  let outputs: Record<string, string> = {};
  if (deployment.environmentStack !== null) {
    const environment = await describeStack(cloudformation, { ...target, stackName: deployment.environmentStack });
    if (!environment) {
      throw new StackParametersUnresolved(
        `${where(target)}: the environment's stack ${deployment.environmentStack} does not exist in ${target.account}/${target.region}; deploy the environment first (crossdeploy env deploy ${deployment.environment})`,
      );
    }
    outputs = environment.outputs;
  }
  const wiring = serviceStackParameters(
    declaredParameters(body),
    outputs,
    deployment.inputs,
    deployment.deploymentParameters,
  );
  if (!wiring.ok) throw new StackParametersUnresolved(`${where(target)}: ${wiring.problems.join('; ')}`);
  return wiring.parameters;
}

export const handler = lambdaStep('create-stack-change-set', input, (event) => prepareChangeSet(event));
