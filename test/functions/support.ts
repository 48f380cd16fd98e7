// Shared by the step-handler tests: a Lambda context for the middy-wrapped handlers, a client factory that
// records what the product sends, and the "deployed but not yet rolled out" state most step tests start from.

import type { Context } from 'aws-lambda';
import { type TargetClientFactory, targetClientFactory } from '../../aws/target-clients';
import type { DeployTarget, TargetDeployment } from '../../core/contracts';
import { registerRevision } from '../../functions/register-task-definition';
import { updateService } from '../../functions/update-service';
import { seedImage, seedPullGrant, seedRepository, seedTarget } from '../../local/seed';
import { IMAGE, ORCHESTRATOR } from '../support/workflows';

/** The minimum a Powertools-wrapped handler reads from its Lambda context. */
export function lambdaContext(functionName = 'crossdeploy-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ORCHESTRATOR.account}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: '00000000-0000-4000-8000-000000000001',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface SentCommand {
  command: string;
  input: Record<string, unknown>;
}

/**
 * Real target clients (AssumeRole into the target account, HTTP to the scheduler and moto) that also record the
 * input of every ECS command they send, so a test can check what the product asked AWS for.
 */
export function recordingClientFactory(): { clients: TargetClientFactory; sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  // Options make the factory build fresh clients instead of the process-wide reused ones.
  const real = targetClientFactory({ sessionName: 'crossdeploy-test' });
  const clients: TargetClientFactory = (target, role) => {
    const built = real(target, role);
    built.ecs.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({ command: String(context.commandName), input: structuredClone(args.input) as SentCommand['input'] });
        return next(args);
      },
      { step: 'initialize', name: 'recordSentCommands' },
    );
    return built;
  };
  return { clients, sent };
}

/**
 * The target as seeded (revision 1 steady, alarm `web-5xx` OK), plus the repository in the tools account with
 * IMAGE in it and the target's account allowed to pull it, as deploy-environment leaves it before a wave.
 */
export async function seeded(t: DeployTarget, alarms: string[] = ['web-5xx'], cpuArchitecture?: 'X86_64' | 'ARM64') {
  await seedRepository('web', ORCHESTRATOR.region);
  await seedImage('web', { digest: IMAGE.digest, tag: 'build' }, ORCHESTRATOR.region);
  await seedPullGrant('web', { accounts: [t.account] }, [ORCHESTRATOR.region]);
  return seedTarget({ ...t, alarms, ...(cpuArchitecture && { cpuArchitecture }) });
}

/**
 * Registers the new revision and points the service at it: the rollout has started and nobody looked yet. The
 * progress counts the deployment's rollout checks one look at a time, as a wait loop of checks does.
 */
export async function startRollout(deployment: TargetDeployment) {
  const revision = await registerRevision(deployment);
  const progress = await updateService({ ...deployment, revision });
  return { revision, progress: { ...progress, rolloutChecksLeft: deployment.deployment.rollout.checks } };
}
