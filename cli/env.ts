// `crossdeploy env deploy <environment>`: provisions (or updates) an environment's own stack (VPC, cluster,
// roles) in every account and region of its waves, from the template version the map names, through the same
// approval gate, lease, waves and rollback as a service's deploy.

import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { defaultDocumentClient } from '../aws/lease';
import { callerArn, type Sleep } from '../aws/operator';
import { stageInUse, stateMachineArnOf } from '../aws/orchestrator';
import { startNextAttempt } from '../aws/pipeline-start';
import { settings } from '../aws/settings';
import { readTemplateVersion } from '../aws/template-registry';
import { templateLabel } from '../core/approval-message';
import { executionLink } from '../core/console-link';
import { environmentStackName } from '../core/map/stack-plan';
import { provisionInput } from '../core/provision-plan';
import { cliCommand } from './command';
import { useLocalEndpoint } from './local-endpoint';
import { FOLLOW_OPTIONS, followStartedPipeline } from './started-pipeline';

const USAGE = [
  'usage: crossdeploy env deploy ENVIRONMENT [--wait] [--json] [--map FILE]   (default map: crossdeploy.yaml)',
  "Provisions the environment's stack (crossdeploy-env-<environment>) in every account and region of its waves,",
  'from the template version its map entry names (published with `crossdeploy template publish`), through the',
  "environment's approval gate and waves. A failed stack is rolled back by CloudFormation, and its wave with it.",
].join('\n');

/** `--json` output; keys in this order, always present. */
export interface EnvDeployReport {
  environment: string;
  template: string;
  stack: string;
  targets: number;
  requestedBy: string;
  execution: string;
  executionArn: string;
  consoleLink: string;
  /** RUNNING unless `--wait` followed it to its end. */
  status: string;
}

export interface EnvDeployDeps {
  caller?: () => Promise<string>;
  sleep?: Sleep;
  newId?: () => string;
}

export function envCommand(deps: EnvDeployDeps = {}) {
  return cliCommand({
    name: 'env',
    usage: USAGE,
    options: { ...FOLLOW_OPTIONS },
    positionals: true,
    mapErrorExit: 2,
    check: ({ values, positionals }, refuse) => {
      const [action, environment, ...extra] = positionals;
      if (action !== 'deploy') return refuse.because('say what to do: deploy');
      if (!environment || extra.length > 0) return refuse.because('name exactly one environment');
      return { values, environment };
    },
    run: async ({ args: { values, environment }, map, io, refuse }) => {
      const env = map.environments[environment];
      if (!env) {
        return refuse.because(
          `the map has no environment "${environment}" (${Object.keys(map.environments).join(', ')})`,
        );
      }
      if (!env.template) {
        io.err(
          `crossdeploy env: environment "${environment}" names no template: give it template: { name, version, inputs } in the map`,
        );
        return 1;
      }
      await useLocalEndpoint(io.cwd, map);
      const ref = { kind: 'environments' as const, name: env.template.name, version: env.template.version };
      // Refused here, before a pipeline starts, when the version was never published.
      const published = await readTemplateVersion(
        defaultDocumentClient(map.orchestrator.region),
        settings.templatesTable(),
        ref,
      ).catch((error: Error) => error);
      if (published instanceof Error) {
        io.err(`crossdeploy env: ${published.message}`);
        return 1;
      }

      const requestedBy = await (deps.caller ?? callerArn)();
      const requestId = (deps.newId ?? randomUUID)();
      const input = provisionInput(map, { environment, templateHash: published.hash, requestedBy, requestId });
      const sfn = new SFNClient({ region: map.orchestrator.region });
      const stateMachineArn = stateMachineArnOf(map.orchestrator, stageInUse(), 'pipeline');
      const start = await startNextAttempt(sfn, stateMachineArn, () => input, requestId);
      if (!start.started) throw new Error(`${start.name} was started by this same request already`);

      const targets = input.stages.flatMap((s) => s.plan.waves.flatMap((w) => w.targets)).length;
      const report: EnvDeployReport = {
        environment,
        template: templateLabel(ref),
        stack: environmentStackName(environment),
        targets,
        requestedBy,
        execution: start.name,
        executionArn: start.executionArn,
        consoleLink: executionLink(start.executionArn, settings.consoleUrl()),
        status: 'RUNNING',
      };
      if (!values.json) {
        io.out(`provisioning ${environment} from ${report.template}: stack ${report.stack} in ${targets} targets`);
        io.out(`  execution ${start.name}`);
        io.out(`  ${report.consoleLink}`);
      }
      return followStartedPipeline(report, values, { sfn, sleep: deps.sleep, io });
    },
  });
}

export const run = envCommand();
