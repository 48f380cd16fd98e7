// Checks 3 and 4, template and env-stack, and how the other checks read a service the map gives a template: its
// first deploy to a target creates the service there (functions/find-service-instance.ts), so before that push a
// missing service is what should be. What that first deploy needs instead is the template version in the registry
// and, where the environment names a template, the environment's stack, whose outputs the instance takes.

import { alarmsBeforeCreation } from './alarms';
import { type CallFailure, NO_CREDENTIALS_FIX, type Outcome, TRANSIENT_FIX } from './checks';
import { environmentStackVerdict, type StackRead } from './environment-stack';
import type { ServiceLookup } from './service';
import { type DoctorTarget, type ServiceInstanceRef, where } from './targets';

/**
 * The instance the first deploy would create here, or undefined: the service has no template, or DescribeServices
 * found it. MISSING, INACTIVE and no cluster are what find-service-instance takes for "create it".
 */
export function pendingInstance(
  target: DoctorTarget,
  lookup: ServiceLookup | { failure: CallFailure },
): ServiceInstanceRef | undefined {
  if (target.instance === null || 'failure' in lookup) return undefined;
  const absent = lookup.kind !== 'found' || lookup.status === 'INACTIVE';
  return absent ? target.instance : undefined;
}

/** The service check of a service its first deploy creates: not a problem, but say what will happen. */
export function pendingServiceOutcome(
  target: DoctorTarget,
  instance: ServiceInstanceRef,
  lookup: ServiceLookup,
): Outcome {
  const { cluster, ecsService } = target;
  const now =
    lookup.kind === 'no-cluster'
      ? `cluster ${cluster} does not exist in ${where(target)} yet`
      : `service ${ecsService} is not in cluster ${cluster} yet (DescribeServices: ${lookup.kind === 'missing' ? lookup.reason : lookup.status})`;
  return {
    result: 'ok',
    detail: `${now}: its first deploy creates it from ${instance.label} (stack ${instance.stack})`,
  };
}

/** Why container, platform and pass-role wait: the task definition they read is the one the template creates. */
export function awaitingInstance(instance: ServiceInstanceRef): Outcome {
  return {
    result: 'skipped',
    detail: `needs the service, which its first deploy creates from ${instance.label}: checked once it exists`,
  };
}

/** The environment's alarms before the service exists: its template may create them with it. */
export function pendingAlarmsOutcome(
  target: DoctorTarget,
  instance: ServiceInstanceRef,
  found: ReadonlyArray<{ name: string; state?: string }>,
): Outcome {
  return alarmsBeforeCreation(target, found, instance.label, 'the service');
}

/** The registry's answer for the version a service names. */
export type TemplateRead =
  | { kind: 'published'; hash: string; publishedAt: string; publishedBy: string }
  /** `message`: TemplateVersionNotPublished's, which lists the versions that are published. */
  | { kind: 'unpublished'; message: string }
  | { kind: 'failed'; table: string; failure: CallFailure };

/**
 * A problem is a FAIL where the first deploy still has to create the service; where the service exists, a push
 * only rolls the image, so the same problem only stops a target that has no service yet: a WARN.
 */
function graded(outcome: Outcome, pending: boolean): Outcome {
  return !pending && outcome.result === 'FAIL' ? { ...outcome, result: 'WARN' } : outcome;
}

function consequence(pending: boolean): string {
  return pending
    ? 'the first deploy cannot create the service'
    : 'the service exists here, but a target without it could not create it';
}

export function templateOutcome(
  target: DoctorTarget,
  instance: ServiceInstanceRef,
  read: TemplateRead,
  pending: boolean,
): Outcome {
  switch (read.kind) {
    case 'published':
      return {
        result: 'ok',
        detail: `${instance.label} is published (sha256 ${read.hash.slice(0, 12)}…, ${read.publishedAt} by ${read.publishedBy})`,
      };
    case 'unpublished':
      return graded(
        {
          result: 'FAIL',
          detail: `${read.message}: ${consequence(pending)}`,
          fix:
            `publish it from the platform team's templates folder (crossdeploy template publish), or set ` +
            `services.${target.service}.template.version to a published version`,
        },
        pending,
      );
    case 'failed': {
      const { failure, table } = read;
      const fix = failure.noCredentials
        ? NO_CREDENTIALS_FIX
        : failure.transient
          ? TRANSIENT_FIX
          : failure.error.startsWith('ResourceNotFoundException')
            ? `the template registry ${table} does not exist: set CROSSDEPLOY_STAGE to the stage you deployed ` +
              '(npx sst deploy --stage NAME), or start crossdeploy local'
            : `run doctor as the app's doctor role (crossdeploy-<stage>-doctor), which may read the template registry ${table}`;
      return graded(
        {
          result: 'FAIL',
          detail: `cannot read ${instance.label} from the template registry: ${failure.action} failed: ${failure.error}`,
          fix,
        },
        pending,
      );
    }
  }
}

/** The env-stack check of a templated service: its instance takes the environment stack's outputs. */
export function environmentStackOutcome(
  target: DoctorTarget,
  instance: ServiceInstanceRef,
  read: StackRead | undefined,
  pending: boolean,
): Outcome {
  return environmentStackVerdict(
    target,
    {
      environmentStack: instance.environmentStack,
      withoutTemplate: `${instance.label} takes the service's inputs and what the deployment gives`,
      stops: consequence(pending),
      blocking: pending,
    },
    read,
  );
}
