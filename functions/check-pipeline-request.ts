import { z } from 'zod';
import type { DocumentClient } from '../aws/lease';
import { environmentLedger } from '../aws/ledger';
import { settings } from '../aws/settings';
import { type S3Store, storeStages } from '../aws/wave-store';
import { deploymentKind, pinnedImage } from '../core/contracts';
import { InvalidPipelineRequest } from '../core/errors';
import type { DeploymentMap } from '../core/map/schema';
import { checkPipeline } from '../core/pipeline-check';
import type { CheckedStage, StartedRun } from '../core/pipeline-types';
import { sharedDocumentClient, sharedS3Client } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { deploymentMap } from './lib/map';
import { logger } from './lib/powertools';

// The whole pipeline input, which core/pipeline-check.ts holds field by field against the map, and the name of the
// execution it started.
const input = z.object({
  request: z.looseObject({
    pipelineId: z.string().min(1),
    kind: deploymentKind,
    serviceName: z.string().min(1),
    commit: z.string().min(1),
    stages: z.array(z.looseObject({ environment: z.string().min(1) })),
    built: z.looseObject({ image: pinnedImage }).optional(),
  }),
  executionName: z.string().min(1),
});

export interface CheckPipelineRequestDeps {
  map?: () => DeploymentMap;
  db?: DocumentClient;
  s3?: S3Store;
  bucket?: () => string;
}

/**
 * The pipeline's first step: its input must be what the map produces for a push, for a rollback to an image that
 * succeeded in that environment before, or for provisioning an environment from its template. Anything else ends
 * the execution before a build or a deploy. What it returns is the map's plan of each environment, its waves'
 * targets stored in S3: the stages the rest of the pipeline runs.
 */
export async function checkPipelineRequest(
  request: StartedRun,
  executionName: string,
  deps: CheckPipelineRequestDeps = {},
): Promise<CheckedStage[]> {
  const map = (deps.map ?? deploymentMap)();
  const check = checkPipeline(map, request);
  const problems = [...check.problems];
  // Every plan is stored under a deployment id made from the pipeline's id: only the execution's own name, unique
  // for 90 days, keeps one pipeline from writing over another's waves.
  if (request.pipelineId !== executionName) {
    problems.push(`pipelineId ${request.pipelineId} is not the name of its execution, ${executionName}`);
  }
  const environment = request.stages[0]?.environment;
  if (problems.length === 0 && request.kind === 'rollback' && request.built && environment) {
    const { digest } = request.built.image;
    const ledger = await environmentLedger(
      map,
      request.serviceName,
      environment,
      settings.ledgerTable(),
      deps.db ?? sharedDocumentClient(),
    );
    if (!ledger.some((r) => r.result === 'succeeded' && r.imageDigest === digest)) {
      problems.push(`${digest} never succeeded in ${environment}: a rollback goes back to an image deployed there`);
    }
  }
  if (problems.length > 0 || check.stages === null) {
    throw new InvalidPipelineRequest(`${request.pipelineId} is not a pipeline the map allows: ${problems.join('; ')}`);
  }
  const stages = await storeStages(
    deps.s3 ?? sharedS3Client(),
    (deps.bucket ?? settings.artifactsBucket)(),
    check.stages,
  );
  logger.info('pipeline request matches the map', {
    pipelineId: request.pipelineId,
    kind: request.kind,
    targets: stages.map((s) => ({ environment: s.environment, count: targetCount(s) })),
  });
  return stages;
}

const targetCount = (stage: CheckedStage) => stage.plan.waves.reduce((n, wave) => n + wave.targetCount, 0);

export const handler = lambdaStep('check-pipeline-request', input, ({ request, executionName }) =>
  checkPipelineRequest(request as unknown as StartedRun, executionName),
);
