import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { defaultDocumentClient } from '../aws/lease';
import { environmentLedger } from '../aws/ledger';
import { callerArn, type Sleep } from '../aws/operator';
import { stageInUse, stateMachineArnOf } from '../aws/orchestrator';
import { settings } from '../aws/settings';
import { shortCommit } from '../core/approval-message';
import { executionLink } from '../core/console-link';
import { rollbackImage } from '../core/ledger';
import { environmentTargets } from '../core/map/plan';
import type { DeploymentMap } from '../core/map/schema';
import { rollbackInput } from '../core/pipeline-plan';
import { startedRun } from '../core/pipeline-types';
import { principalMatches } from '../core/principal';
import { cliCommand } from './command';
import { useLocalEndpoint } from './local-endpoint';
import { FOLLOW_OPTIONS, followStartedPipeline } from './started-pipeline';

const USAGE =
  'usage: crossdeploy rollback --service NAME --env NAME [--to COMMIT] [--reason TEXT] [--skip-approval] [--wait] [--json] [--map FILE]';

/** `--json` output; keys in this order, always present. */
export interface RollbackReport {
  service: string;
  environment: string;
  commit: string;
  imageDigest: string;
  requestedBy: string;
  approval: 'waiting' | 'skipped' | 'none';
  execution: string;
  executionArn: string;
  consoleLink: string;
  /** RUNNING unless `--wait` followed it to its end. */
  status: string;
}

export interface RollbackDeps {
  caller?: () => Promise<string>;
  sleep?: Sleep;
  now?: () => Date;
}

/**
 * `crossdeploy rollback`: the previous image (or the named commit's) goes back through the environment's
 * own pipeline: waves, bake, health checks, lease, and the approval gate unless the caller may skip it.
 */
export function rollbackCommand(deps: RollbackDeps = {}) {
  return cliCommand({
    name: 'rollback',
    usage: USAGE,
    options: {
      service: { type: 'string' },
      env: { type: 'string' },
      to: { type: 'string' },
      reason: { type: 'string', default: 'requested by an operator' },
      'skip-approval': { type: 'boolean', default: false },
      ...FOLLOW_OPTIONS,
    },
    mapErrorExit: 2,
    check: ({ values }, refuse) => {
      const { service, env } = values;
      if (!service || !env) return refuse.usage();
      return { values, service, env };
    },
    run: async ({ args: { values, service, env }, map, io }) => {
      const known = knownTarget(map, service, env);
      if (known) {
        io.err(`crossdeploy rollback: ${known}`);
        return 2;
      }
      await useLocalEndpoint(io.cwd, map);
      const region = map.orchestrator.region;
      // The ledger lives in the orchestrator's region, whatever region the caller's profile names.
      const db = defaultDocumentClient(region);
      const sfn = new SFNClient({ region });
      const requestedBy = await (deps.caller ?? callerArn)();

      const skipApproval = values['skip-approval'] ?? false;
      const approval = map.environments[env]?.approval;
      if (skipApproval && approval && !approval.skipAllowed.some((pattern) => principalMatches(requestedBy, pattern))) {
        io.err(
          `crossdeploy rollback: ${requestedBy} may not skip the approval of ${env}; ` +
            `environments.${env}.approval.skipAllowed lists who may`,
        );
        return 1;
      }

      const records = await environmentLedger(map, service, env, settings.ledgerTable(), db);
      const chosen = rollbackImage(records, values.to);
      if ('problem' in chosen) {
        io.err(
          chosen.problem === 'ambiguous'
            ? `crossdeploy rollback: ${values.to} names several commits deployed to ${env}: ${chosen.commits.map((c) => c.slice(0, 12)).join(', ')}; give more of it`
            : values.to
              ? `crossdeploy rollback: the ledger has no successful deployment of ${service} in ${env} at commit ${values.to}`
              : `crossdeploy rollback: the ledger knows no earlier image of ${service} in ${env} to go back to`,
        );
        return 1;
      }

      const input = rollbackInput(map, service, {
        environment: env,
        commit: chosen.commit,
        image: chosen.image,
        requestedBy,
        reason: values.reason ?? '',
        skipApproval,
        now: (deps.now ?? (() => new Date()))(),
      });
      const { executionArn } = await sfn
        .send(
          new StartExecutionCommand({
            stateMachineArn: stateMachineArnOf(map.orchestrator, stageInUse(), 'pipeline'),
            name: input.pipelineId,
            input: JSON.stringify(startedRun(input)),
          }),
        )
        .catch((error: Error) => {
          if (error.name !== 'ExecutionAlreadyExists') throw error;
          throw new Error(`a rollback named ${input.pipelineId} already started this second; run it again`);
        });
      if (!executionArn) throw new Error('states:StartExecution returned no execution');
      const report: RollbackReport = {
        service,
        environment: env,
        commit: chosen.commit,
        imageDigest: chosen.image.digest,
        requestedBy,
        approval: !approval ? 'none' : skipApproval ? 'skipped' : 'waiting',
        execution: input.pipelineId,
        executionArn,
        consoleLink: executionLink(executionArn, settings.consoleUrl()),
        status: 'RUNNING',
      };
      if (!values.json) {
        io.out(
          `rolling ${service} in ${env} back to ${shortCommit(chosen.commit)} (${chosen.image.digest.slice(0, 19)}…)`,
        );
        io.out(`  execution ${input.pipelineId}`);
        io.out(`  ${report.consoleLink}`);
        if (report.approval === 'waiting') io.out(`  waiting for an approver on ${approval?.topic}`);
      }
      return followStartedPipeline(report, values, { sfn, sleep: deps.sleep, io });
    },
  });
}

function knownTarget(map: DeploymentMap, service: string, env: string): string | undefined {
  if (map.applications[service]) {
    // Each commit's template stays in the artifacts bucket: redeploying that commit is the rollback.
    return (
      `${service} is an application stack: roll it back by redeploying the commit it ran before, through the same ` +
      `gates and waves: crossdeploy redeploy --service ${service} --branch BRANCH --commit SHA`
    );
  }
  if (!map.services[service]) return `the map has no service "${service}"`;
  try {
    environmentTargets(map, service, env);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export const run = rollbackCommand();
