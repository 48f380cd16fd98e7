import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { settings } from '../../aws/settings';
import { announceDeployment } from '../../functions/announce-deployment';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { mapOf } from '../support/map';
import { useMoto } from '../support/moto';
import { sentToTopic, startChatWebhook } from '../support/notices';
import { pipelineMap } from '../support/pipeline';
import { ORCHESTRATOR } from '../support/workflows';

const moto = useMoto();
const TOPIC_ARN = `arn:aws:sns:${ORCHESTRATOR.region}:${ORCHESTRATOR.account}:crossdeploy-deployments`;
const EXECUTION = `arn:aws:states:us-east-1:${ORCHESTRATOR.account}:execution:crossdeploy-pipeline:web-main-3f2a9c1`;
const ENV = ['CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN', 'CROSSDEPLOY_CHAT_WEBHOOK_URL'] as const;

let stack: LocalStack | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const name of ENV) delete process.env[name];
});

/** The local stack over this worker's moto; resolves lines its progress output prints, as they come. */
async function startStack() {
  const dir = mkdtempSync(join(tmpdir(), 'crossdeploy-notifications-'));
  const mapFile = join(dir, 'crossdeploy.yaml');
  writeFileSync(mapFile, pipelineMap());
  const map = mapOf(readFileSync(mapFile, 'utf8'));
  const lines: string[] = [];
  let waiting: { match: RegExp; resolve: (line: string) => void }[] = [];
  stack = await startLocalStack({
    map,
    mapFile,
    stateDir: join(dir, '.crossdeploy'),
    scheduler: moto.scheduler(),
    out: (line) => {
      lines.push(line);
      for (const w of waiting.filter((w) => w.match.test(line))) w.resolve(line);
      waiting = waiting.filter((w) => !w.match.test(line));
    },
  });
  return {
    lines,
    printed: (match: RegExp) =>
      new Promise<string>((resolve) => {
        const seen = lines.find((line) => match.test(line));
        if (seen) resolve(seen);
        else waiting.push({ match, resolve });
      }),
  };
}

describe('crossdeploy local: notifications', () => {
  it('prints each deployment notice the bus carries as one progress line', async () => {
    const { printed } = await startStack();

    await announceDeployment({
      event: 'succeeded',
      pipelineId: 'web-main-3f2a9c1',
      executionArn: EXECUTION,
      serviceName: 'web',
      environment: 'dev',
      commit: '3f2a9c1'.padEnd(40, '0'),
      kind: 'deploy',
      failure: null,
    });

    expect(await printed(/^notice /)).toBe('notice  Deployed web 3f2a9c1 to dev');
  });

  it('prints an ECS deployment failure that a target account forwarded to the bus', async () => {
    const { printed } = await startStack();
    const forwarded = JSON.parse(
      readFileSync(new URL('../fixtures/events/ecs-deployment-failed.json', import.meta.url), 'utf8'),
    ) as { source: string; 'detail-type': string; resources: string[]; detail: object };
    const events = new EventBridgeClient({ region: ORCHESTRATOR.region });
    cleanups.push(() => events.destroy());

    const answer = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: settings.eventBusName(),
            Source: forwarded.source,
            DetailType: forwarded['detail-type'],
            Resources: forwarded.resources,
            Detail: JSON.stringify(forwarded.detail),
          },
        ],
      }),
    );

    expect(answer.FailedEntryCount ?? 0).toBe(0);
    expect(await printed(/^notice /)).toBe('notice  ECS deployment failed: demo/web in 333333333333/eu-west-1');
  });

  it('sends notices to the topic and the chat webhook the environment names, and says so', async () => {
    const chat = await startChatWebhook();
    cleanups.push(() => chat.close());
    process.env.CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN = TOPIC_ARN;
    process.env.CROSSDEPLOY_CHAT_WEBHOOK_URL = chat.url;
    const { printed } = await startStack();

    await announceDeployment({
      event: 'failed',
      pipelineId: 'web-main-3f2a9c1',
      executionArn: EXECUTION,
      serviceName: 'web',
      environment: 'dev',
      commit: '3f2a9c1'.padEnd(40, '0'),
      kind: 'deploy',
      failure: { Error: 'RoleNotAssumable', Cause: 'cannot assume crossdeploy-deploy in account 222222222222' },
    });

    expect(await printed(/^notice /)).toBe('notice  The deployment of web 3f2a9c1 to dev failed  → SNS topic, chat');
    expect(await sentToTopic(moto.motoEndpoint(), TOPIC_ARN)).toHaveLength(1);
    expect(chat.received).toHaveLength(1);
  });
});
