import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { publishPush } from '../aws/push-events';
import { settings } from '../aws/settings';
import { shortCommit } from '../core/approval-message';
import { loadMapFile } from '../core/map/load';
import type { PushEvent } from '../core/pipeline-types';
import type { CliIo } from './io';
import { useLocalEndpoint } from './local-endpoint';

/** `crossdeploy push`: publishes a push event by hand, exactly as the webhook would after verifying one. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      map: { type: 'string', default: 'crossdeploy.yaml' },
      service: { type: 'string' },
      branch: { type: 'string' },
      commit: { type: 'string' },
      message: { type: 'string', default: 'pushed with crossdeploy push' },
    },
  });
  if (!values.service || !values.branch) {
    io.err('usage: crossdeploy push --service NAME --branch NAME [--commit SHA] [--map FILE]');
    return 2;
  }
  const map = loadMapFile(resolve(io.cwd, values.map ?? 'crossdeploy.yaml'));
  const service = map.services[values.service] ?? map.applications[values.service];
  if (!service) {
    const known = [...Object.keys(map.services), ...Object.keys(map.applications)];
    io.err(`crossdeploy push: service "${values.service}" is not in the map (${known.join(', ')})`);
    return 2;
  }
  const commit = (values.commit ?? headCommit(io.cwd) ?? randomBytes(20).toString('hex')).toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    io.err(`crossdeploy push: --commit must be a full 40-character commit id, not "${commit}"`);
    return 2;
  }
  const push: PushEvent = {
    source: service.source,
    branch: values.branch,
    commit,
    author: process.env.USER ?? 'crossdeploy push',
    message: values.message ?? '',
    changedPaths: [],
  };
  await useLocalEndpoint(io.cwd, map);
  const events = new EventBridgeClient({ region: map.orchestrator.region });
  const refused = await publishPush(events, settings.eventBusName(), push);
  if (refused) {
    io.err(`crossdeploy push: the bus refused the event: ${refused}`);
    return 1;
  }
  io.out(`pushed ${values.service} ${values.branch} ${shortCommit(commit)}`);
  return 0;
}

function headCommit(cwd: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}
