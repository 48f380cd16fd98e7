import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { describeIfExists, type SfnLike } from '../aws/executions';
import { callerArn, type Sleep } from '../aws/operator';
import { stageInUse, stateMachineArnOf } from '../aws/orchestrator';
import { startNextAttempt } from '../aws/pipeline-start';
import { settings } from '../aws/settings';
import { shortCommit } from '../core/approval-message';
import { executionLink } from '../core/console-link';
import { environmentsForBranch } from '../core/map/plan';
import { pipelineInput } from '../core/pipeline-plan';
import type { PipelineInput } from '../core/pipeline-types';
import { executionName, MAX_ATTEMPTS } from '../core/push';
import { executionArnIn } from '../stacks/arns';
import { cliCommand } from './command';
import { useLocalEndpoint } from './local-endpoint';
import { FOLLOW_OPTIONS, followStartedPipeline } from './started-pipeline';

const USAGE =
  'usage: crossdeploy redeploy --service NAME --branch NAME --commit SHA [--wait] [--json] [--map FILE]   (default map: crossdeploy.yaml)';

/** `--json` output; keys in this order, always present. */
export interface RedeployReport {
  service: string;
  branch: string;
  commit: string;
  /** 2 for the commit's second pipeline on the branch, and so on. */
  attempt: number;
  /** The attempt before this one; null when the commit never ran on the branch (or not in the last 90 days). */
  previous: { execution: string; status: string } | null;
  requestedBy: string;
  execution: string;
  executionArn: string;
  consoleLink: string;
  /** RUNNING unless `--wait` followed it to its end. */
  status: string;
}

export interface RedeployDeps {
  caller?: () => Promise<string>;
  sleep?: Sleep;
}

/**
 * `crossdeploy redeploy`: a commit deployed on its branch before (a pipeline that failed for a passing reason,
 * or a commit rolled back) goes through the branch's whole pipeline again, under the next attempt's name.
 */
export function redeployCommand(deps: RedeployDeps = {}) {
  return cliCommand({
    name: 'redeploy',
    usage: USAGE,
    options: {
      service: { type: 'string' },
      branch: { type: 'string' },
      commit: { type: 'string' },
      ...FOLLOW_OPTIONS,
    },
    mapErrorExit: 2,
    check: ({ values }, refuse) => {
      const { service, branch } = values;
      const commit = values.commit?.toLowerCase();
      if (!service || !branch || !commit) return refuse.because('give --service, --branch and --commit');
      if (!/^[0-9a-f]{40}$/.test(commit)) {
        return refuse.because(`--commit must be a full 40-character commit id, not "${commit}"`);
      }
      return { values, service, branch, commit };
    },
    run: async ({ args: { values, service, branch, commit }, map, io, refuse }) => {
      const mapped = map.services[service] ?? map.applications[service];
      if (!mapped) {
        const known = [...Object.keys(map.services), ...Object.keys(map.applications)];
        return refuse.because(`the map has no service "${service}" (${known.join(', ')})`);
      }
      const environments = environmentsForBranch(map, service, branch);
      if (environments.length === 0) {
        const branches = Object.keys(mapped.branches).join(', ');
        return refuse.because(`${service} deploys branch ${branch} nowhere (branches: ${branches})`);
      }

      await useLocalEndpoint(io.cwd, map);
      const sfn = new SFNClient({ region: map.orchestrator.region });
      const stateMachineArn = stateMachineArnOf(map.orchestrator, stageInUse(), 'pipeline');
      const link = (arn: string) => executionLink(arn, settings.consoleUrl());
      const previous = await lastAttempt(sfn, stateMachineArn, service, branch, commit);
      if (previous?.status === 'RUNNING') {
        io.err(
          `crossdeploy redeploy: ${previous.name} still runs ${shortCommit(commit)} on ${branch}: wait for it, or stop it ` +
            `with crossdeploy abort ${previous.name}\n  ${link(previous.executionArn)}`,
        );
        return 1;
      }

      const requestedBy = await (deps.caller ?? callerArn)();
      const requestId = `redeploy-${randomUUID()}`;
      const push = {
        source: mapped.source,
        branch,
        commit,
        author: requestedBy,
        message: previous?.input.message ?? '',
        changedPaths: [],
      };
      const start = await startNextAttempt(
        sfn,
        stateMachineArn,
        (attempt) => pipelineInput(map, service, push, { attempt, requestId }),
        requestId,
      );
      if (!start.started) throw new Error(`${start.name} was started by this same request already`);

      const report: RedeployReport = {
        service,
        branch,
        commit,
        attempt: start.attempt,
        previous: previous ? { execution: previous.name, status: previous.status } : null,
        requestedBy,
        execution: start.name,
        executionArn: start.executionArn,
        consoleLink: link(start.executionArn),
        status: 'RUNNING',
      };
      if (!values.json) {
        const after = previous ? ` after ${previous.name} ${previous.status}` : '';
        io.out(`redeploying ${service} ${branch} ${shortCommit(commit)} to ${environments.join(' → ')}${after}`);
        io.out(`  execution ${start.name} (attempt ${start.attempt})`);
        io.out(`  ${report.consoleLink}`);
      }
      return followStartedPipeline(report, values, { sfn, sleep: deps.sleep, io });
    },
  });
}

interface Attempt {
  name: string;
  executionArn: string;
  status: string;
  input: Partial<PipelineInput>;
}

/** The newest attempt of the commit's pipeline on the branch that Step Functions still knows. */
async function lastAttempt(
  sfn: SfnLike,
  stateMachineArn: string,
  service: string,
  branch: string,
  commit: string,
): Promise<Attempt | undefined> {
  let last: Attempt | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const name = executionName(service, branch, commit, attempt);
    const executionArn = executionArnIn(stateMachineArn, name);
    const described = await describeIfExists(sfn, executionArn);
    if (!described) return last;
    last = { name, executionArn, status: described.status ?? 'UNKNOWN', input: parsedInput(described.input) };
  }
  return last;
}

function parsedInput(text: string | undefined): Partial<PipelineInput> {
  try {
    return JSON.parse(text ?? '{}') as Partial<PipelineInput>;
  } catch {
    return {};
  }
}

export const run = redeployCommand();
