// Environments of thousands of targets, as the scale tests deploy them.
import type { DeployTarget } from '../../core/contracts';
import { LOCAL_ORGANIZATION } from '../../local/accounts';
import { environmentDeployment, target } from './workflows';

const REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2', 'ap-northeast-1'];

/** The goal for any state at any size: a quarter of Step Functions' 256 KiB. */
export const LARGEST_STATE_GOAL = 64 * 1024;

/** `count` targets, four regions per account, accounts numbered from `first`. */
export function scaleTargets(count: number, first = 0): DeployTarget[] {
  return Array.from({ length: count }, (_, i) =>
    target(
      `3${String(first + Math.floor(i / REGIONS.length) + 1).padStart(11, '0')}`,
      REGIONS[i % REGIONS.length] ?? '',
    ),
  );
}

/**
 * An environment of these waves, pull access granted by organization, no bake, and a 5-second rollout budget. The
 * scale tests hold Step Functions' quotas at thousands of targets; their targets forward no events (seed with
 * `forwarded: false`), and each rollout's wait ends by its own check after 5 seconds: the event path costs the one
 * local moto about twice the calls per target, and the bench measures it at scale (`npm run bench -- --targets`).
 */
export function scaled(waves: { targets: DeployTarget[]; maxConcurrency?: number; failureTolerance?: number }[]) {
  const run = environmentDeployment(waves);
  return {
    ...run,
    deployment: {
      ...run.deployment,
      ecr: { ...run.deployment.ecr, principalOrgId: LOCAL_ORGANIZATION.id },
      health: { alarms: [] },
      rollout: { intervalSeconds: 1, checks: 5 },
      bake: { intervalSeconds: 0, checks: 0 },
    },
  };
}
