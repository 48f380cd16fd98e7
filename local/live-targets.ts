import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { describeService } from '../aws/ecs-service';
import { targetClientFactory } from '../aws/target-clients';
import { environmentTargets } from '../core/map/plan';
import type { DeploymentMap } from '../core/map/schema';
import { COMMIT_TAG } from '../core/task-definition';
import type { DeployTarget } from '../core/types';
import type { ExecutionRecord } from './step-functions';

export interface LiveTarget extends DeployTarget {
  environment: string;
  revision: string;
  image: string;
  digest?: string;
  commit?: string;
  result: string;
}

/**
 * What each target of a service runs right now, read through the deploy role like every other
 * target-account call, with the outcome of the last execution that touched it.
 */
export async function liveTargets(
  map: DeploymentMap,
  serviceName: string,
  executions: ExecutionRecord[] = [],
): Promise<LiveTarget[]> {
  const clients = targetClientFactory();
  const rows: LiveTarget[] = [];
  for (const environment of Object.keys(map.environments)) {
    for (const target of environmentTargets(map, serviceName, environment)) {
      const { ecs } = clients(target, map.deployRole);
      const service = await describeService(ecs, target);
      const described = await ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition, include: ['TAGS'] }),
      );
      const image =
        described.taskDefinition?.containerDefinitions?.find((c) => c.name === target.container)?.image ?? '';
      const commit = described.tags?.find((t) => t.key === COMMIT_TAG)?.value;
      rows.push({
        ...target,
        environment,
        revision: `${described.taskDefinition?.family}:${described.taskDefinition?.revision}`,
        image,
        ...(image.includes('@') ? { digest: image.split('@')[1] } : {}),
        ...(commit ? { commit } : {}),
        result: lastResult(executions, environment, target),
      });
    }
  }
  return rows;
}

function lastResult(executions: ExecutionRecord[], environment: string, target: DeployTarget): string {
  const touching = executions.filter((e) => {
    const input = e.input as { environment?: string; target?: DeployTarget };
    return (
      input.target?.account === target.account &&
      input.target.region === target.region &&
      input.environment === environment
    );
  });
  const last = touching.at(-1);
  if (!last) return 'not deployed';
  if (last.stateMachine === 'rollback-target') {
    const reason = (last.input as { reason?: { check?: string } }).reason?.check;
    return last.status === 'SUCCEEDED' ? `rolled back (${reason ?? 'failure'})` : `rollback ${last.status}`;
  }
  return last.status === 'SUCCEEDED' ? 'deployed' : `${last.status} ${last.error ?? ''}`.trim();
}
