import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentMap } from '../core/map/schema';
import { handler as approvalPage } from '../functions/approval-page';
import { handler as githubWebhook } from '../functions/github-webhook';
import { type NotifyOutcome, handler as notify } from '../functions/notify';
import { handler as resumeApproval } from '../functions/resume-approval';
import { handler as startPipeline } from '../functions/start-pipeline';
import { type EndpointUnreachable, EndpointWatch } from './endpoint-watch';
import { startHttpApi } from './http-api';
import { provisionOrchestrator } from './orchestrator';
import { asRuleTarget, consumeQueue } from './queue-consumer';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from './runtime';
import { storeLocalSecrets } from './secrets';
import { bootstrapTargetAccount, forwardTargetEvents } from './seed';
import { LOCAL_SOURCES_VARIABLE } from './sources';
import { consumeTargetWaits, provisionTargetWaits } from './target-waits';

export interface LocalStack {
  runtime: LocalRuntime;
  /** The HTTP API: webhook, approval pages, executions. */
  url: string;
  /** Resolves with the next approval e-mail to arrive. */
  nextApprovalMessage(): Promise<string>;
  /** Resolves when every queue has been found empty once more: events sent so far have been handled. */
  settle(): Promise<void>;
  /** Resolves when the AWS endpoint has not answered for as long as the runtime waits for it. */
  unreachable: Promise<EndpointUnreachable>;
  stop(): Promise<void>;
}

export interface LocalStackOptions extends LocalRuntimeOptions {
  map: DeploymentMap;
  mapFile: string;
  port?: number;
  publicUrl?: string;
  /** Where the runtime keeps what it generates (the link-signing key), and tells CLI commands where it runs. */
  stateDir: string;
  out: (line: string) => void;
  /** How long the AWS endpoint may stay silent before the runtime gives up (5 minutes by default). */
  giveUpAfterMs?: number;
  /** The folder of the clones application stacks are packaged from (local/sources.ts). */
  sources?: string;
}

/**
 * crossdeploy's whole orchestrator on loopback: the runtime, the orchestrator's resources in moto, the
 * HTTP API, and the rule targets fed from the queues the bus delivers to.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(options.stateDir, { recursive: true });
  process.env.CROSSDEPLOY_MAP_FILE = options.mapFile;
  if (options.sources) process.env[LOCAL_SOURCES_VARIABLE] = options.sources;
  process.env.CROSSDEPLOY_LINK_SIGNING_KEY ??= keptKey(join(options.stateDir, 'link-signing-key'));
  process.env.CROSSDEPLOY_GITHUB_WEBHOOK_SECRET ??= keptKey(join(options.stateDir, 'github-webhook-secret'));

  const runtime = await startLocalRuntime({ ...options, orchestrator: options.map.orchestrator });
  // The values above are the operator's; the handlers read them from SSM, as they do in AWS.
  await storeLocalSecrets({
    githubWebhookSecret: process.env.CROSSDEPLOY_GITHUB_WEBHOOK_SECRET,
    linkSigningKey: process.env.CROSSDEPLOY_LINK_SIGNING_KEY,
    chatWebhookUrl: process.env.CROSSDEPLOY_CHAT_WEBHOOK_URL,
  });
  process.env.CROSSDEPLOY_PIPELINE_ARN = runtime.stepFunctions.stateMachineArn('pipeline');
  const queues = await provisionOrchestrator(options.map);
  const waitsQueue = await provisionTargetWaits(options.map.orchestrator);
  // What the target-account StackSet gives every target account in AWS, and every region of it its forwarding rule.
  for (const account of targetAccountsOf(options.map))
    await bootstrapTargetAccount(account, options.map.deployRole.name);
  for (const where of targetRegionsOf(options.map)) await forwardTargetEvents(where, options.map.orchestrator);
  const http = await startHttpApi(
    { githubWebhook: githubWebhook as never, approvalPage: approvalPage as never },
    runtime.stepFunctions,
    options.port,
  );
  process.env.CROSSDEPLOY_PUBLIC_URL = options.publicUrl ?? http.url;
  // Execution links in notices and command output open this runtime's console, not AWS's.
  process.env.CROSSDEPLOY_CONSOLE_URL = http.url;

  let waiting: ((message: string) => void)[] = [];
  const report = (error: Error) => options.out(`crossdeploy local: ${error.name}: ${error.message}`);
  const watch = new EndpointWatch({
    endpoint: runtime.awsEndpoint,
    out: options.out,
    ...(options.giveUpAfterMs !== undefined && { giveUpAfterMs: options.giveUpAfterMs }),
  });
  const consumers = [
    consumeQueue(queues.pushes, asRuleTarget(startPipeline, 'StartPipeline'), report, { watch }),
    consumeQueue(queues.approvalDecisions, asRuleTarget(resumeApproval, 'ResumeApproval'), report, { watch }),
    consumeTargetWaits(waitsQueue, report, watch),
    consumeQueue(
      queues.approvalMessages,
      async (message) => {
        for (const resolve of waiting) resolve(message);
        waiting = [];
        options.out(`\n── approval e-mail ──\n${message}\n─────────────────────`);
      },
      report,
      { watch },
    ),
    consumeQueue(
      queues.notifications,
      async (body) => {
        const outcome = (await asRuleTarget(notify, 'Notify')(body)) as NotifyOutcome;
        const line = noticeLine(outcome);
        if (line) options.out(line);
      },
      report,
      { watch },
    ),
  ];
  writeFileSync(
    join(options.stateDir, 'local.json'),
    `${JSON.stringify({ endpoint: runtime.endpoint, url: http.url, pid: process.pid }, null, 2)}\n`,
  );

  return {
    runtime,
    url: http.url,
    unreachable: watch.gaveUp,
    nextApprovalMessage: () => new Promise<string>((resolve) => waiting.push(resolve)),
    async settle() {
      await Promise.all(consumers.map((c) => c.drain()));
    },
    async stop() {
      await Promise.all(consumers.map((c) => c.stop()));
      http.server.closeAllConnections();
      http.server.close();
      await runtime.stop();
    },
  };
}

/** One progress line per notice: what was said, and where it went (the topic and webhook the env names). */
function noticeLine(outcome: NotifyOutcome): string | undefined {
  if (outcome.headline === null) return undefined;
  const channels = outcome.sent.map((d) =>
    d.channel === 'sns' ? 'SNS topic' : d.delivered ? 'chat' : `chat refused it (${d.status})`,
  );
  return `notice  ${outcome.headline}${channels.length > 0 ? `  → ${channels.join(', ')}` : ''}`;
}

/** A secret generated once and kept, so links and webhooks configured earlier keep working after a restart. */
function keptKey(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** Each account × region some environment deploys to. */
function targetRegionsOf(map: DeploymentMap): { account: string; region: string }[] {
  const places = Object.values(map.environments).flatMap((env) =>
    env.waves.flatMap((wave) => wave.targets.flatMap((t) => t.regions.map((region) => `${t.account}/${region}`))),
  );
  return [...new Set(places)].map((place) => {
    const [account = '', region = ''] = place.split('/');
    return { account, region };
  });
}

function targetAccountsOf(map: DeploymentMap): Set<string> {
  return new Set(targetRegionsOf(map).map((where) => where.account));
}
