import type { CliIo } from './io';

type Command = { summary: string; load: () => Promise<{ run(args: string[], io: CliIo): Promise<number> }> };

// Commands load lazily: `crossdeploy validate` should not pay for the AWS SDK and the local runtime.
const commands: Record<string, Command> = {
  validate: { summary: 'check a deployment map; every error with its line', load: () => import('./validate') },
  schema: { summary: 'print the JSON Schema of the deployment map', load: () => import('./schema') },
  template: {
    summary: "check or publish a templates folder, or upgrade a template's instances: check|publish|upgrade",
    load: () => import('./template'),
  },
  env: {
    summary: "provision an environment's stack from its template in every target: deploy ENVIRONMENT [--wait]",
    load: () => import('./env'),
  },
  local: {
    summary: 'run the whole orchestrator on loopback (webhook, approvals, executions)',
    load: () => import('./local'),
  },
  push: {
    summary: 'publish a push event by hand: --service NAME --branch NAME [--commit SHA]',
    load: () => import('./push'),
  },
  approve: {
    summary: 'approve a waiting deployment: <approval-id> [--approver NAME] [--comment TEXT]',
    load: () => import('./approve'),
  },
  reject: {
    summary: 'reject a waiting deployment: <approval-id> [--approver NAME] [--comment TEXT]',
    load: () => import('./reject'),
  },
  doctor: {
    summary: 'check every target is ready to deploy: [--map FILE] [--service NAME] [--env NAME] [--json]',
    load: () => import('./doctor'),
  },
  status: {
    summary: 'what runs where, and drift from what crossdeploy deployed: [--service NAME] [--env NAME] [--json]',
    load: () => import('./status'),
  },
  executions: {
    summary: 'pipeline executions, newest first: [--service NAME] [--status STATUS] [--limit N] [--json]',
    load: () => import('./executions'),
  },
  history: {
    summary: "one execution's state-by-state timeline and failure cause: <execution> [--json]",
    load: () => import('./history'),
  },
  rollback: {
    summary:
      'an earlier image back through the waves: --service NAME --env NAME [--to COMMIT] [--skip-approval] [--wait] [--json]',
    load: () => import('./rollback'),
  },
  redeploy: {
    summary:
      'deploy a commit again on its branch, as its next attempt: --service NAME --branch NAME --commit SHA [--wait] [--json]',
    load: () => import('./redeploy'),
  },
  abort: {
    summary:
      'stop a running deployment and roll back what it changed: <execution> [--reason TEXT] [--no-wait] [--json]',
    load: () => import('./abort'),
  },
  bootstrap: {
    summary: 'print the target-account CloudFormation template (--print)',
    load: () => import('./bootstrap'),
  },
  demo: {
    summary: 'deploy across accounts and regions on this machine, no AWS account needed',
    load: () => import('./demo'),
  },
  bench: {
    summary: 'measure orchestration cost per target (writes bench/results.json)',
    load: () => import('./bench'),
  },
};

function usage(io: CliIo) {
  io.out('usage: crossdeploy <command> [options]\n');
  for (const [name, command] of Object.entries(commands)) io.out(`  ${name.padEnd(10)} ${command.summary}`);
}

// The CLI runs the Lambda handlers in-process: Powertools in its local shape, quiet unless asked.
function powertoolsLocalDefaults() {
  process.env.POWERTOOLS_DEV ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  powertoolsLocalDefaults();
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.err(`crossdeploy: unknown command "${name}"`);
    usage(io);
    return 2;
  }
  try {
    return await (await command.load()).run(args, io);
  } catch (error) {
    const e = error as Error;
    io.err(`crossdeploy ${name}: ${e.name}: ${e.message}`);
    return 1;
  }
}

function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    cwd: process.cwd(),
  };
}
