import { randomBytes } from 'node:crypto';
import { ECRClient } from '@aws-sdk/client-ecr';
import { environmentsForBranch, planEnvironment } from '../core/map/plan';
import type { DeploymentMap } from '../core/map/schema';
import type { ImageRef } from '../core/types';
import { buildImage } from './builder';
import type { ExecutionRecord, LocalStepFunctions } from './step-functions';

export interface EnvironmentRun {
  environment: string;
  deploymentId: string;
  execution: ExecutionRecord;
}

export interface CommitRun {
  image: ImageRef;
  environments: EnvironmentRun[];
  succeeded: boolean;
}

/**
 * A push, locally: build the commit's image once, then deploy that same digest to each environment of the
 * branch in order, stopping at the first environment that fails.
 */
export async function deployCommit(
  stepFunctions: LocalStepFunctions,
  map: DeploymentMap,
  request: { service: string; branch: string; commit: string },
): Promise<CommitRun> {
  const service = map.services[request.service];
  if (!service) throw new Error(`service "${request.service}" is not in the deployment map`);
  const ecr = new ECRClient({ region: map.orchestrator.region });
  const built = await buildImage({
    ecr,
    repository: service.repository,
    commit: request.commit,
    service: request.service,
  });
  const image: ImageRef = { repositoryUri: built.repositoryUri, digest: built.digest, uri: built.uri };

  const environments: EnvironmentRun[] = [];
  for (const environment of environmentsForBranch(map, request.service, request.branch)) {
    const deploymentId = `${request.service}-${environment}-${request.commit.slice(0, 7)}-${randomBytes(3).toString('hex')}`;
    const plan = planEnvironment(map, request.service, environment, { deploymentId, commit: request.commit, image });
    const execution = await stepFunctions.run('deploy-environment', plan, { name: deploymentId });
    environments.push({ environment, deploymentId, execution });
    if (execution.status !== 'SUCCEEDED') return { image, environments, succeeded: false };
  }
  return { image, environments, succeeded: true };
}
