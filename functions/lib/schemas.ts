import { z } from 'zod';
import { bounded, innermostFailure } from '../../core/failure';

// Step inputs as the state machines pass them. A step receives the whole execution state; parsing keeps
// only what the step declares, except for `progress`, which the wait loops hand back and forth whole.

export const deployTarget = z.object({
  account: z.string().regex(/^\d{12}$/),
  region: z.string().min(1),
  cluster: z.string().min(1),
  service: z.string().min(1),
  container: z.string().min(1),
});

export const deployRole = z.object({ name: z.string().min(1), externalId: z.string().optional() });

export const checkLoop = z.object({ intervalSeconds: z.number().int().min(0), checks: z.number().int().min(0) });

export const pinnedImage = z.object({
  repositoryUri: z.string().min(1),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  uri: z.string().min(1),
});

export const ecrAccess = z.object({
  repository: z.string().min(1),
  principalOrgId: z.string().optional(),
  principalOrgPaths: z.array(z.string().min(1)).min(1).optional(),
  accounts: z.array(z.string().regex(/^\d{12}$/)),
  regions: z.array(z.string().min(1)).min(1),
  replica: checkLoop,
});
export const imageRef = pinnedImage.extend({ platforms: z.array(z.string().min(1)).min(1) });

/**
 * What a failed check saw. A step that could not run hands its Catch output over whole as `failure` (a Lambda's
 * Cause is JSON with a stack trace): it is read here, once, into the evidence in plain words.
 */
export const failureEvidence = z
  .object({
    check: z.enum(['rollout', 'circuit-breaker', 'alarm', 'steady-state', 'probe', 'wave', 'timeout', 'aborted']),
    evidence: z.string(),
    failure: z.looseObject({ Error: z.string().nullish(), Cause: z.string().nullish() }).optional(),
  })
  .transform(({ check, evidence, failure }) => {
    if (!failure) return { check, evidence };
    const { error, cause } = innermostFailure(failure.Error, failure.Cause);
    const why = [error, cause].filter(Boolean).join(': ');
    return { check, evidence: why ? `${evidence} (${bounded(why, 1_024)})` : evidence };
  });

export const deploymentContext = z.object({
  kind: z.enum(['deploy', 'rollback']),
  pipelineId: z.string().min(1),
  approval: z.object({ approver: z.string(), comment: z.string() }).nullable(),
  requestedBy: z.string().nullable(),
});

export const targetDeployment = z.object({
  deploymentId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().min(1),
  image: imageRef,
  orchestrator: z.object({ account: z.string(), region: z.string() }),
  target: deployTarget,
  deployRole,
  ecr: ecrAccess,
  taskDefinitionTemplate: z.record(z.string(), z.unknown()).nullable(),
  health: z.object({ alarms: z.array(z.string()), probeUrl: z.string().optional() }),
  rollout: checkLoop,
  bake: checkLoop,
  context: deploymentContext,
});

/** Where a wait loop stands; the check steps read it and hand back the next one. */
export const progress = z.looseObject({
  startedAt: z.string(),
  rolloutChecksLeft: z.number().int(),
  bakeChecksLeft: z.number().int(),
  state: z.string(),
  summary: z.string(),
  failure: failureEvidence.optional(),
});

export type Progress = z.infer<typeof progress>;
