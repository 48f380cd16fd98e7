import { forgetTargetSessions } from '../aws/target-clients';
import { applyCredentialsToEnv, ORCHESTRATOR_ACCOUNT, useOrchestratorAccount } from './accounts';
import { type EcsScheduler, startEcsScheduler } from './ecs-scheduler';
import { localFunctions, localIntegrations, localValues, stateMachineDefinitions } from './functions';
import { startMoto } from './moto';
import { stepFunctionsApi } from './sfn-api';
import { type ExecutionRecord, type HistoryEvent, LocalStepFunctions } from './step-functions';

export interface LocalRuntime {
  /** Where every AWS call of this process goes: the ECS scheduler in front of moto. */
  endpoint: string;
  /** Where moto answers: the AWS_ENDPOINT_URL given, or the moto started here. */
  awsEndpoint: string;
  scheduler: EcsScheduler;
  stepFunctions: LocalStepFunctions;
  stop(): Promise<void>;
}

export interface LocalRuntimeOptions {
  orchestrator?: { account: string; region: string };
  /**
   * Local seconds per real second for the workflows' waits, as the map wrote them (a bake, a rollout's safety net,
   * an approval's timeout, polls): 1 is real time. Unset, token waits run in real time and polls back to back.
   */
  timeScale?: number;
  /** How long every Wait state pauses, in ms, whatever the ASL says; 0 when `timeScale` is unset. */
  waitMs?: number;
  onEvent?: (execution: ExecutionRecord, event: HistoryEvent) => void;
  /** An ECS scheduler already running in front of moto (the tests' own); none is started then. */
  scheduler?: EcsScheduler;
}

/**
 * crossdeploy with no AWS account: moto for AWS's APIs (started here unless AWS_ENDPOINT_URL already names
 * one), the ECS scheduler simulator in front of it, the ASL files on the local engine with the real handlers.
 * This process then acts as the orchestrator account, as the Lambda functions do in AWS.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const orchestrator = options.orchestrator ?? { account: ORCHESTRATOR_ACCOUNT, region: 'us-east-1' };
  const given = process.env.AWS_ENDPOINT_URL;
  const moto = given || options.scheduler ? undefined : await startMoto();
  const awsEndpoint = given ?? moto?.endpoint ?? (options.scheduler as EcsScheduler).endpoint;
  const scheduler = options.scheduler ?? (await startEcsScheduler({ motoEndpoint: awsEndpoint }));
  process.env.AWS_ENDPOINT_URL = scheduler.endpoint;
  process.env.AWS_REGION ??= orchestrator.region;
  // Fixtures and the local engine need no real secrets; moto accepts any key for the first AssumeRole.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  applyCredentialsToEnv(await useOrchestratorAccount(scheduler.endpoint, orchestrator.account, orchestrator.region));
  forgetTargetSessions();

  const stepFunctions = new LocalStepFunctions({
    definitions: stateMachineDefinitions,
    functions: localFunctions,
    integrations: localIntegrations,
    values: localValues,
    account: orchestrator.account,
    region: orchestrator.region,
    ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }),
    ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }),
    retryMs: 0,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  scheduler.serveLocally(stepFunctionsApi(stepFunctions));

  return {
    endpoint: scheduler.endpoint,
    awsEndpoint,
    scheduler,
    stepFunctions,
    async stop() {
      await stepFunctions.stopAll();
      scheduler.serveLocally(undefined);
      if (!options.scheduler) await scheduler.stop();
      await moto?.stop();
      if (given) process.env.AWS_ENDPOINT_URL = given;
      else delete process.env.AWS_ENDPOINT_URL;
    },
  };
}
