// One moto and one ECS scheduler per test worker, wiped before every test, plus the fixtures most tests need.

import { beforeAll, beforeEach } from 'vitest';
import { applyCredentialsToEnv, useOrchestratorAccount } from '../../local/accounts';
import { type EcsScheduler, startEcsScheduler } from '../../local/ecs-scheduler';
import { type Moto, startMoto } from '../../local/moto';

interface LocalAws {
  moto: Moto;
  scheduler: EcsScheduler;
}

// On globalThis rather than in a module variable: it must survive test files re-importing this module in
// the same worker. moto stops itself when the worker exits; the scheduler's socket closes with the process.
const LOCAL_AWS = Symbol.for('crossdeploy.test.localAws');
type Holder = { [LOCAL_AWS]?: Promise<LocalAws> };

function localAws(): Promise<LocalAws> {
  const holder = globalThis as Holder;
  holder[LOCAL_AWS] ??= (async () => {
    const moto = await startMoto();
    const scheduler = await startEcsScheduler({ motoEndpoint: moto.endpoint });
    return { moto, scheduler };
  })();
  return holder[LOCAL_AWS];
}

/** The worker's ECS scheduler, once a `useMoto()` of the file has started it. */
export async function workerScheduler(): Promise<EcsScheduler> {
  return (await localAws()).scheduler;
}

/**
 * Every SDK client created in the test file talks to moto through the scheduler, as the tools account.
 * `motoEndpoint()` reaches moto directly, past the simulation, to check what moto itself stored.
 */
export function useMoto(): { endpoint(): string; motoEndpoint(): string; scheduler(): EcsScheduler } {
  let aws: LocalAws | undefined;
  const started = (): LocalAws => {
    if (!aws) throw new Error('useMoto(): moto is not started yet; use it inside tests or hooks');
    return aws;
  };
  const actAsOrchestrator = async () => {
    applyCredentialsToEnv(await useOrchestratorAccount(started().scheduler.endpoint));
  };

  beforeAll(async () => {
    aws = await localAws();
    process.env.AWS_ENDPOINT_URL = aws.scheduler.endpoint;
    await actAsOrchestrator();
  });
  beforeEach(async () => {
    await started().moto.reset();
    started().scheduler.reset();
    // The reset dropped the assumed role; a fresh one also teaches the reset scheduler the new key.
    await actAsOrchestrator();
  });

  return {
    endpoint: () => started().scheduler.endpoint,
    motoEndpoint: () => started().moto.endpoint,
    scheduler: () => started().scheduler,
  };
}

export { type SeededTarget, SIDECAR, seedRepository, seedTarget } from '../../local/seed';
