import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { abortCommand } from '../../cli/abort';
import { redeployCommand } from '../../cli/redeploy';
import { rollbackCommand } from '../../cli/rollback';
import { run as status } from '../../cli/status';
import { executionName } from '../../core/push';
import { applicationStackName } from '../../core/stacks/names';
import { clientForAccount } from '../../local/accounts';
import { deliverGithubPush } from '../../local/actors';
import { LOCAL_SOURCES_VARIABLE } from '../../local/sources';
import type { ExecutionRecord } from '../../local/step-functions';
import { capture } from '../support/cli';
import { useMoto } from '../support/moto';
import { past, usePipelineStack } from '../support/pipeline';
import { liveStack, putAlarm } from '../support/stacks';

const moto = useMoto();
const TEMPLATE = fileURLToPath(new URL('../fixtures/applications/orders/template.yaml', import.meta.url));
const ACCOUNTS = ['222222222222', '333333333333', '444444444444'];
const ALARM = 'orders-errors';

/** orders: a Lambda application kept in its own repository, deployed to dev's three accounts in two waves. */
const ordersMap = (parameters = '{ Stage: dev, ApiKey: s3cr3t }') => `
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  orders:
    kind: stack
    source: { github: acme/orders }
    stack: { template: infra/template.yaml, parameters: ${parameters} }
    branches: { main: [dev] }
environments:
  dev:
    waves:
      - targets: [{ account: "222222222222", regions: [us-east-1] }]
      - targets: [{ account: "333333333333", regions: [us-east-1] }, { account: "444444444444", regions: [us-east-1] }]
        maxConcurrency: 2
    bake: 30s
    health: { alarms: [${ALARM}] }
deployRole: crossdeploy-deploy
`;

/** The application's repository on this machine, where `crossdeploy local --sources` finds it. */
function useOrdersRepository() {
  let clone = '';
  beforeEach(() => {
    const sources = mkdtempSync(join(tmpdir(), 'crossdeploy-sources-'));
    clone = join(sources, 'orders');
    mkdirSync(join(clone, 'infra'), { recursive: true });
    git('init', '--quiet', '--initial-branch=main');
    process.env[LOCAL_SOURCES_VARIABLE] = sources;
  });
  afterEach(() => {
    delete process.env[LOCAL_SOURCES_VARIABLE];
  });
  function git(...args: string[]): string {
    return execFileSync('git', ['-C', clone, ...args], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'dev',
        GIT_AUTHOR_EMAIL: 'dev@example.com',
        GIT_COMMITTER_NAME: 'dev',
        GIT_COMMITTER_EMAIL: 'dev@example.com',
      },
    })
      .toString()
      .trim();
  }
  /** Commits the template (changed by `edit`, removed when it returns null) and returns the commit. */
  return (edit: (template: string) => string | null = (t) => t): string => {
    const path = join(clone, 'infra/template.yaml');
    const text = edit(readFileSync(TEMPLATE, 'utf8'));
    if (text === null) rmSync(path, { force: true });
    else writeFileSync(path, text);
    git('add', '-A');
    git('commit', '--quiet', '--allow-empty', '-m', 'change orders');
    return git('rev-parse', 'HEAD');
  };
}

const stackIn = (account: string) => ({
  account,
  region: 'us-east-1',
  stackName: applicationStackName('orders', 'dev'),
});

async function functionOf(account: string): Promise<string | undefined> {
  const cloudformation = clientForAccount(CloudFormationClient, account, 'us-east-1');
  try {
    const { StackResources = [] } = await cloudformation.send(
      new DescribeStackResourcesCommand({ StackName: stackIn(account).stackName }),
    );
    return StackResources.find((r) => r.ResourceType === 'AWS::Lambda::Function')?.PhysicalResourceId;
  } finally {
    cloudformation.destroy();
  }
}

describe('application stacks (kind: stack): a push deploys the template in its repository, in waves', () => {
  const commitTemplate = useOrdersRepository();
  const { stack, mapFile } = usePipelineStack(moto, () => ordersMap());
  beforeEach(async () => {
    for (const account of ACCOUNTS) await putAlarm({ account, region: 'us-east-1' }, ALARM, 'OK');
  });

  const deliver = async (commit: string) => {
    const answer = await deliverGithubPush(stack().url, process.env.CROSSDEPLOY_GITHUB_WEBHOOK_SECRET ?? '', {
      repository: 'acme/orders',
      branch: 'main',
      commit,
      message: 'change orders',
    });
    expect(answer.status).toBe(202);
  };
  const push = async (commit: string): Promise<ExecutionRecord> => {
    await deliver(commit);
    const pipeline = await stack().runtime.stepFunctions.started(executionName('orders', 'main', commit));
    return stack().runtime.stepFunctions.finished(pipeline.executionArn);
  };

  it("creates the Lambda application's stack in 3 accounts from the template at the pushed commit", async () => {
    const commit = commitTemplate();

    const pipeline = await push(commit);

    expect(pipeline.status).toBe('SUCCEEDED');
    for (const account of ACCOUNTS) {
      expect(await liveStack(stackIn(account))).toMatchObject({ status: 'CREATE_COMPLETE', version: commit });
      expect(await functionOf(account)).toBe('orders-dev');
    }
    const states = new Set(pipeline.history.map((e) => e.state));
    expect(states).toContain('Package application stack once');
    expect(states).toContain('Check packaged template');
    expect(states).not.toContain('Build image once');
    const deploys = stack()
      .runtime.stepFunctions.executions()
      .filter((e) => e.stateMachine === 'deploy-stack');
    expect(deploys.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(deploys.every((e) => e.history.some((h) => h.state === 'Check stack health during bake'))).toBe(true);
  });

  it('shows in crossdeploy status which commit each stack runs, read from the stack itself', async () => {
    const commit = commitTemplate();
    expect((await push(commit)).status).toBe('SUCCEEDED');
    const { io, out } = capture(dirname(mapFile()));

    expect(await status(['--service', 'orders', '--map', mapFile()], io)).toBe(0);
    const rows = out.slice(1, 4).map((line) => line.split(/\s{2,}/));
    expect(rows.map(([service, env, account, , where, shown]) => [service, env, account, where, shown])).toEqual(
      ACCOUNTS.map((account) => ['orders', 'dev', account, 'stack crossdeploy-app-orders-dev', commit.slice(0, 7)]),
    );
    expect(out.at(-1)).toBe('3 targets: 3 in step');
  });

  it("rolls every stack of the wave back to the previous commit's template when an alarm fires during one stack's bake", async () => {
    const first = commitTemplate();
    expect((await push(first)).status).toBe('SUCCEEDED');
    await putAlarm({ account: '444444444444', region: 'us-east-1' }, ALARM, 'ALARM');
    const second = commitTemplate((t) => t.replace('Default: hello', 'Default: bonjour'));

    const pipeline = await push(second);

    expect(pipeline.status).toBe('FAILED');
    expect(pipeline.cause).toContain('444444444444/us-east-1 stack crossdeploy-app-orders-dev rolled back');
    expect(pipeline.cause).toContain(`alarm ${ALARM} is ALARM`);
    const stacks = await Promise.all(ACCOUNTS.map((account) => liveStack(stackIn(account))));
    expect(stacks.map((s) => s?.version)).toEqual([second, first, first]);
    // Put back with the value it had, not with the asterisks DescribeStacks shows for a NoEcho parameter.
    expect(stacks.map((s) => s?.outputs.ApiKeyInUse)).toEqual(['s3cr3t', 's3cr3t', 's3cr3t']);
  });

  it("is aborted mid-wave, every stack the deployment changed going back to the previous commit's template", async () => {
    const first = commitTemplate();
    expect((await push(first)).status).toBe('SUCCEEDED');
    moto.scheduler().injectFault({ account: '444444444444', region: 'us-east-1' }, { kind: 'slow-stacks' });
    const second = commitTemplate((t) => t.replace('Default: hello', 'Default: bonjour'));
    await deliver(second);
    const engine = stack().runtime.stepFunctions;
    const pipeline = await engine.started(executionName('orders', 'main', second));
    const slow = await engine.started(`${pipeline.name}-dev-444444444444-us-east-1`);
    await past(slow, 'Execute change set in target account');

    const { io, out, err } = capture(dirname(mapFile()));
    const code = await abortCommand({
      caller: async () => 'arn:aws:sts::111111111111:assumed-role/oncall/jane',
      // CloudFormation finishes the update the stopped deployment executed; the rollbacks then find the stacks.
      sleep: () => {
        moto.scheduler().clearFaults();
        return new Promise((resolve) => setImmediate(resolve));
      },
    })([pipeline.name, '--reason', 'orders is slow to settle', '--json', '--map', mapFile()], io);

    expect(err).toEqual([]);
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report.environments).toEqual(['dev']);
    expect(
      report.rollbacks.map((r: Record<string, unknown>) => [r.account, r.stackName, r.cluster, r.status]).sort(),
    ).toEqual(ACCOUNTS.map((account) => [account, 'crossdeploy-app-orders-dev', null, 'SUCCEEDED']));
    const versions = await Promise.all(ACCOUNTS.map(async (account) => (await liveStack(stackIn(account)))?.version));
    expect(versions).toEqual([first, first, first]);
    expect(pipeline.status).toBe('ABORTED');
  });

  it('goes back to an earlier commit by redeploying it, which crossdeploy rollback points to', async () => {
    const first = commitTemplate();
    expect((await push(first)).status).toBe('SUCCEEDED');
    const second = commitTemplate((t) => t.replace('Default: hello', 'Default: bonjour'));
    expect((await push(second)).status).toBe('SUCCEEDED');
    const operator = async () => 'arn:aws:sts::111111111111:assumed-role/oncall/jane';
    const step = () => new Promise<void>((resolve) => setImmediate(resolve));

    const refused = capture(dirname(mapFile()));
    const rollback = await rollbackCommand({ caller: operator, sleep: step })(
      ['--service', 'orders', '--env', 'dev', '--map', mapFile()],
      refused.io,
    );
    const redeployed = capture(dirname(mapFile()));
    const redeploy = await redeployCommand({ caller: operator, sleep: step })(
      ['--service', 'orders', '--branch', 'main', '--commit', first, '--wait', '--map', mapFile()],
      redeployed.io,
    );

    expect(rollback).toBe(2);
    expect(refused.err.join('\n')).toContain(
      'orders is an application stack: roll it back by redeploying the commit it ran before, through the same ' +
        'gates and waves: crossdeploy redeploy --service orders --branch BRANCH --commit SHA',
    );
    expect(redeploy).toBe(0);
    const stacks = await Promise.all(ACCOUNTS.map((account) => liveStack(stackIn(account))));
    expect(stacks.map((s) => [s?.status, s?.version])).toEqual(ACCOUNTS.map(() => ['UPDATE_COMPLETE', first]));
  });

  it('refuses a template that does not declare a parameter the map gives, before any stack is touched', async () => {
    const commit = commitTemplate((t) => t.replace(/ {2}Stage:\n {4}Type: String\n/, ''));

    const pipeline = await push(commit);

    expect(pipeline.status).toBe('FAILED');
    expect(pipeline.error).toBe('ApplicationTemplateInvalid');
    expect(JSON.parse(pipeline.cause ?? '{}').errorMessage).toContain(
      'the map gives "Stage", which the template does not declare (its parameters: Greeting, ApiKey)',
    );
    for (const account of ACCOUNTS) expect(await liveStack(stackIn(account))).toBeUndefined();
  });

  it('fails the packaging, naming the file, when the repository has no template at the commit', async () => {
    const commit = commitTemplate(() => null);

    const pipeline = await push(commit);

    expect(pipeline.status).toBe('FAILED');
    expect(pipeline.error).toBe('States.TaskFailed');
    const build = JSON.parse(pipeline.cause ?? '{}');
    expect(build.BuildStatus).toBe('FAILED');
    expect(build.Phases[0].Contexts[0].Message).toMatch(new RegExp(`no infra/template.yaml in .*/orders at ${commit}`));
    for (const account of ACCOUNTS) expect(await liveStack(stackIn(account))).toBeUndefined();
  });
});
