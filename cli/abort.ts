import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mapBounded } from '../aws/bounded';
import { describeIfExists, type SfnLike } from '../aws/executions';
import { type DocumentClient, defaultDocumentClient, releaseLease } from '../aws/lease';
import { anyLedgerRecord, ledgerRecord } from '../aws/ledger';
import { callerArn, realSleep, type Sleep, waitForExecution } from '../aws/operator';
import { stageInUse, stateMachineArnOf } from '../aws/orchestrator';
import { settings } from '../aws/settings';
import { readWaveTargets, type S3Store } from '../aws/wave-store';
import type { StoredEnvironmentRun, TargetRollback } from '../core/contracts';
import { isStackRecord, type LedgerResult, ledgerKey } from '../core/ledger';
import { environmentDeploymentId } from '../core/map/stack-plan';
import { deploymentIdOf } from '../core/pipeline-plan';
import type { PipelineStage, ProvisionStage, StageRequest, StartedRun } from '../core/pipeline-types';
import { announceDeployment } from '../functions/announce-deployment';
import { executionArnIn } from '../stacks/arns';
import { cliCommand } from './command';
import { useLocalEndpoint } from './local-endpoint';

/** A provisioning's or an application stack's environment: its targets are stacks. */
type StackStage = ProvisionStage;

function isStackStage(stage: PipelineStage | StackStage): stage is StackStage {
  return stage.plan.targetKind === 'cloudformation-stack';
}

function targetsOf(stage: PipelineStage | StackStage): { account: string; region: string }[] {
  return stage.plan.waves.flatMap((wave): { account: string; region: string }[] => wave.targets);
}

/**
 * An environment deploying now, as deploy-environment runs it, with its waves' targets read back from where the
 * pipeline stored them (aws/wave-store.ts).
 */
async function listedStage(
  gates: StageRequest,
  environmentInput: string | undefined,
  s3: S3Store,
): Promise<PipelineStage | StackStage> {
  const run = JSON.parse(environmentInput ?? '{}') as StoredEnvironmentRun;
  const waves = await Promise.all(
    run.waves.map(async ({ maxConcurrency, failureTolerance, store }) => ({
      maxConcurrency,
      failureTolerance,
      targets: await readWaveTargets(s3, store),
    })),
  );
  const plan = { targetKind: run.targetKind, deployment: run.deployment, waves };
  // The environment's run is the checked plan of this stage (state-machines/pipeline.ts "Deploy environment").
  return { ...gates, plan } as unknown as PipelineStage | StackStage;
}

/**
 * The deployment a started pipeline runs in one of its environments, from its input alone: a provisioning's is its
 * template version's and request's (core/map/stack-plan.ts), any other's its pipeline's and the environment's.
 */
function stageDeploymentId(input: StartedRun, environment: string): string {
  return input.kind === 'provision'
    ? environmentDeploymentId(environment, input.template.version, input.requestId)
    : deploymentIdOf(input.pipelineId, environment);
}

const USAGE = 'usage: crossdeploy abort <execution-name-or-arn> [--reason TEXT] [--no-wait] [--json] [--map FILE]';

/** `--json` output; keys in this order, always present. */
export interface AbortReport {
  execution: string;
  executionArn: string;
  abortedBy: string;
  reason: string;
  /** Environments that were deploying when the pipeline stopped: their changed targets are rolled back. */
  environments: string[];
  rollbacks: {
    environment: string;
    account: string;
    region: string;
    /** An ECS service's cluster and name; null for a stack. */
    cluster: string | null;
    service: string | null;
    /** A stack's name (an environment's, an application's); null for an ECS service. */
    stackName: string | null;
    /** The revision an ECS service ran before the aborted deployment; null for a stack. */
    taskDefinitionArn: string | null;
    executionArn: string;
    /** RUNNING with `--no-wait`. */
    status: string;
  }[];
}

export interface AbortDeps {
  caller?: () => Promise<string>;
  sleep?: Sleep;
}

/**
 * `crossdeploy abort`: stops a pipeline and everything it started, then puts every target that the
 * environment in flight had already changed back on the revision it ran before, through rollback-target.
 * Environments the pipeline had finished stay deployed; `crossdeploy rollback` takes those back.
 */
export function abortCommand(deps: AbortDeps = {}) {
  return cliCommand({
    name: 'abort',
    usage: USAGE,
    options: {
      reason: { type: 'string', default: 'aborted by an operator' },
      'no-wait': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    positionals: true,
    mapErrorExit: 2,
    check: ({ values, positionals }, refuse) => {
      const [execution] = positionals;
      if (!execution || positionals.length > 1) return refuse.usage();
      return { values, execution };
    },
    run: async ({ args: { values, execution }, map, io }) => {
      await useLocalEndpoint(io.cwd, map);
      const stage = stageInUse();
      const sfn = new SFNClient({ region: map.orchestrator.region });
      // The ledger and the leases live in the orchestrator's region, whatever region the caller's profile names.
      const db = defaultDocumentClient(map.orchestrator.region);
      const s3 = new S3Client({ region: map.orchestrator.region });
      const arnOf = (file: Parameters<typeof stateMachineArnOf>[2], name: string) =>
        executionArnIn(stateMachineArnOf(map.orchestrator, stage, file), name);
      const executionArn = execution.startsWith('arn:') ? execution : arnOf('pipeline', execution);

      const described = await describeIfExists(sfn, executionArn);
      if (!described) {
        io.err(`crossdeploy abort: no execution ${executionArn}`);
        return 1;
      }
      if (described.status !== 'RUNNING') {
        io.err(`crossdeploy abort: ${execution} is ${described.status}; there is nothing to abort`);
        return 1;
      }
      const input = JSON.parse(described.input ?? '{}') as StartedRun;
      const abortedBy = await (deps.caller ?? callerArn)();
      const reason = values.reason ?? '';
      const cause = `aborted by ${abortedBy}: ${reason}`;
      const say = (line: string) => values.json || io.out(line);

      // Which environments are deploying must be read before the stop: stopping the pipeline may stop them too.
      const inFlight: (PipelineStage | StackStage)[] = [];
      for (const s of input.stages) {
        const deploymentId = stageDeploymentId(input, s.environment);
        const environmentRun = await describeIfExists(sfn, arnOf('deploy-environment', deploymentId));
        if (environmentRun?.status === 'RUNNING') inFlight.push(await listedStage(s, environmentRun.input, s3));
      }
      await sfn.send(new StopExecutionCommand({ executionArn, error: 'Aborted', cause }));
      say(`stopped ${input.pipelineId}`);
      // Stopping a parent does not have to stop what it started: stop each child by its known name.
      for (const s of inFlight) {
        await stop(sfn, arnOf('deploy-environment', s.plan.deployment.deploymentId), cause);
        const stackStage = isStackStage(s);
        await mapBounded(targetsOf(s), AT_ONCE, async (target) => {
          const name = `${s.plan.deployment.deploymentId}-${target.account}-${target.region}`;
          if (stackStage) return stop(sfn, arnOf('deploy-stack', name), cause);
          await stop(sfn, arnOf('deploy-target', name), cause);
          // The target's service instance, created under the target's own name (state-machines/deploy-target.ts);
          // CloudFormation finishes the stack by itself, and nothing runs the image yet.
          if (s.plan.deployment.serviceInstance !== null) await stop(sfn, arnOf('deploy-stack', name), cause);
        });
        say(`stopped the deployment of ${s.environment}`);
      }

      const rollbacks: AbortReport['rollbacks'] = [];
      const reasonOfAbort = { check: 'aborted' as const, evidence: cause };
      for (const s of inFlight) {
        if (isStackStage(s)) {
          // CloudFormation finishes what a stopped deploy-stack executed; rollback-stack waits for it (StackBusy).
          for (const { target, previous } of await changedStacks(input.serviceName, s, db)) {
            const rollback = {
              deploymentId: s.plan.deployment.deploymentId,
              serviceName: input.serviceName,
              environment: s.environment,
              target,
              deployRole: s.plan.deployment.deployRole,
              revision: { previous },
              rollout: s.plan.deployment.rollout,
              reason: reasonOfAbort,
            };
            const started = await sfn.send(
              new StartExecutionCommand({
                stateMachineArn: stateMachineArnOf(map.orchestrator, stage, 'rollback-stack'),
                input: JSON.stringify(rollback),
              }),
            );
            say(`rolling back ${target.account} ${target.region} stack ${target.stackName}`);
            rollbacks.push({
              environment: s.environment,
              account: target.account,
              region: target.region,
              cluster: null,
              service: null,
              stackName: target.stackName,
              taskDefinitionArn: null,
              executionArn: started.executionArn as string,
              status: 'RUNNING',
            });
          }
        }
        for (const target of isStackStage(s) ? [] : await changedTargets(input.serviceName, s, db)) {
          const rollback: TargetRollback = {
            deploymentId: s.plan.deployment.deploymentId,
            serviceName: input.serviceName,
            environment: s.environment,
            target: target.target,
            deployRole: s.plan.deployment.deployRole,
            revision: { previous: target.previousTaskDefinitionArn },
            rollout: s.plan.deployment.rollout,
            reason: reasonOfAbort,
          };
          const started = await sfn.send(
            new StartExecutionCommand({
              stateMachineArn: stateMachineArnOf(map.orchestrator, stage, 'rollback-target'),
              input: JSON.stringify(rollback),
            }),
          );
          const { account, region, cluster, service } = target.target;
          say(`rolling back ${account} ${region} ${cluster}/${service}`);
          rollbacks.push({
            environment: s.environment,
            account,
            region,
            cluster,
            service,
            stackName: null,
            taskDefinitionArn: target.previousTaskDefinitionArn,
            executionArn: started.executionArn as string,
            status: 'RUNNING',
          });
        }
        await announceDeployment({
          event: 'rolled-back',
          pipelineId: input.pipelineId,
          executionArn,
          serviceName: input.serviceName,
          environment: s.environment,
          commit: input.commit,
          kind: input.kind ?? 'deploy',
          failure: { Error: 'Aborted', Cause: cause },
        }).catch((error: Error) => say(`the rollback notice was not published: ${error.message}`));
      }

      if (!values['no-wait']) {
        for (const rollback of rollbacks) {
          const done = await waitForExecution(sfn, rollback.executionArn, {
            sleep: deps.sleep ?? realSleep,
            intervalMs: 3000,
          });
          rollback.status = done.status ?? 'UNKNOWN';
          say(
            `  ${rollback.account} ${rollback.region}: ${rollback.status === 'SUCCEEDED' ? 'rolled back' : `${rollback.status} ${done.cause ?? ''}`}`,
          );
        }
      }
      // Only now may the next deployment take these environments: with --no-wait, while the rollbacks still run.
      // Every stage's lease, not only the deploying ones': the pipeline may have held one between two states.
      for (const s of input.stages) {
        await releaseLease(settings.leasesTable(), `${input.serviceName}#${s.environment}`, input.pipelineId, db);
      }
      const report: AbortReport = {
        execution: input.pipelineId,
        executionArn,
        abortedBy,
        reason,
        environments: inFlight.map((s) => s.environment),
        rollbacks,
      };
      if (values.json) io.out(JSON.stringify(report, null, 2));
      else if (inFlight.length === 0) io.out('no environment was deploying: nothing to roll back');
      const failed = rollbacks.some((r) => r.status !== 'SUCCEEDED' && r.status !== 'RUNNING');
      return failed ? 1 : 0;
    },
  });
}

/**
 * Targets of one environment that the aborted deployment may have changed: each record is read consistently,
 * and the workflow writes it before it updates the service. Putting back a revision that never left is harmless.
 */
async function changedTargets(serviceName: string, stage: PipelineStage, db: DocumentClient) {
  const read = await mapBounded(
    stage.plan.waves.flatMap((w) => w.targets),
    AT_ONCE,
    async (target) => {
      const key = ledgerKey(serviceName, stage.environment, target);
      const record = await ledgerRecord(settings.ledgerTable(), key, stage.plan.deployment.deploymentId, db);
      if (!record?.previousTaskDefinitionArn || UNDONE.has(record.result)) return [];
      return [{ target, previousTaskDefinitionArn: record.previousTaskDefinitionArn }];
    },
  );
  return read.flat();
}

/**
 * Stacks of one environment that the aborted deployment may have changed: the record of each is written, with what
 * the stack ran before, before its change set runs (state-machines/deploy-stack.ts). A stack whose record has no
 * revision yet was not changed; putting back a stack whose change set never ran is harmless.
 */
async function changedStacks(serviceName: string, stage: StackStage, db: DocumentClient) {
  const read = await mapBounded(
    stage.plan.waves.flatMap((w) => w.targets),
    AT_ONCE,
    async (target) => {
      const key = ledgerKey(serviceName, stage.environment, target);
      const record = await anyLedgerRecord(settings.ledgerTable(), key, stage.plan.deployment.deploymentId, db);
      if (!record || !isStackRecord(record) || !record.previousRevision || UNDONE.has(record.result)) return [];
      return [{ target, previous: record.previousRevision }];
    },
  );
  return read.flat();
}

// Stopping or reading thousands of targets one by one would take minutes; a few at a time stays under the APIs'
// throttling.
const AT_ONCE = 10;

/** Results after which the target runs what it ran before, or never changed; a failed rollback is tried again. */
const UNDONE = new Set<LedgerResult>(['failed', 'rolled-back']);

async function stop(sfn: SfnLike, executionArn: string, cause: string) {
  await sfn.send(new StopExecutionCommand({ executionArn, error: 'Aborted', cause })).catch((error: Error) => {
    if (error.name !== 'ExecutionDoesNotExist') throw error;
  });
}

export const run = abortCommand();
