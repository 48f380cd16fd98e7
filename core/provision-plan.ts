// The input of a provisioning pipeline (`crossdeploy env deploy`): one environment's own stack, from the template
// version the map names, through the environment's approval gate, lease and waves, like a service's deploy.

import { environmentNamed } from './map/plan';
import type { DeploymentMap } from './map/schema';
import { ENVIRONMENT_STACK_SUBJECT, planEnvironmentStack } from './map/stack-plan';
import type { ProvisionInput } from './pipeline-types';
import { executionName } from './push';

/**
 * What a provisioning ships, as a commit would say it: the first 40 hex digits of the published version's content
 * hash (sha256, aws/template-registry.ts).
 */
export function contentCommit(templateHash: string): string {
  if (!/^[0-9a-f]{64}$/.test(templateHash)) throw new Error('templateHash must be a sha256 in hex');
  return templateHash.slice(0, 40);
}

export interface ProvisionRequest {
  environment: string;
  /** contentCommit of the version the map names. */
  commit: string;
  requestedBy: string;
  /** Tells this request from another of the same version; names the pipeline and the deployment. */
  requestId: string;
}

export function provisionInput(map: DeploymentMap, request: ProvisionRequest): ProvisionInput {
  const env = environmentNamed(map, request.environment);
  const { commit } = request;
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error("commit must be a template version's content hash");
  const plan = planEnvironmentStack(map, request.environment, { commit, requestId: request.requestId });
  const { template } = plan.deployment;
  return {
    // Part of the request's id is in the name: each provisioning of the same version is its own execution.
    pipelineId: executionName(
      'env',
      `${request.environment}-${template.version}-${request.requestId.slice(0, 8)}`,
      commit,
    ),
    requestId: request.requestId,
    kind: 'provision',
    requestedBy: request.requestedBy,
    serviceName: ENVIRONMENT_STACK_SUBJECT,
    commit,
    author: request.requestedBy,
    message: `provision ${request.environment} from ${template.kind}/${template.name} ${template.version}`,
    orchestrator: { account: map.orchestrator.account, region: map.orchestrator.region },
    template,
    stages: [
      {
        environment: request.environment,
        approval: env.approval ? { topic: env.approval.topic, timeoutSeconds: env.approval.timeout } : null,
        concurrency: env.concurrency,
        plan,
      },
    ],
  };
}
