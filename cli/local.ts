import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '../core/duration';
import { loadMapFile } from '../core/map/load';
import { progressPrinter } from '../local/progress';
import { startLocalStack } from '../local/stack';
import type { CliIo } from './io';
import { STATE_DIR } from './local-endpoint';

/** `crossdeploy local`: the whole orchestrator on loopback until interrupted, or until its AWS endpoint is gone for good. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      map: { type: 'string', default: 'crossdeploy.yaml' },
      port: { type: 'string', default: '0' },
      'public-url': { type: 'string' },
      'give-up-after': { type: 'string', default: '5m' },
      sources: { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
    },
  });
  const timeScale = Number(values['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    io.err(`crossdeploy local: --time-scale must be a positive number, not "${values['time-scale']}"`);
    return 2;
  }
  let giveUpAfterMs: number;
  try {
    giveUpAfterMs = parseDuration(values['give-up-after'] ?? '5m') * 1000;
  } catch (error) {
    io.err(`crossdeploy local: --give-up-after: ${(error as Error).message}`);
    return 2;
  }
  const mapFile = resolve(io.cwd, values.map ?? 'crossdeploy.yaml');
  const map = loadMapFile(mapFile);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`crossdeploy local: --port must be a TCP port, not "${values.port}"`);
    return 2;
  }
  const stack = await startLocalStack({
    map,
    mapFile,
    port,
    stateDir: resolve(io.cwd, STATE_DIR),
    out: io.out,
    onEvent: progressPrinter(io.out),
    giveUpAfterMs,
    // Bakes, rollouts' safety nets, approval timeouts and polls last what the map says, divided by the scale.
    timeScale,
    // Application stacks are packaged from the clones there; by default, the folder beside the map's folder.
    sources: resolve(io.cwd, values.sources ?? dirname(dirname(mapFile))),
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
  });
  io.out(`AWS APIs (moto + ECS scheduler + Step Functions) on ${stack.runtime.endpoint}`);
  io.out(`GitHub webhook: POST ${stack.url}/webhooks/github (secret in ${STATE_DIR}/github-webhook-secret)`);
  if (timeScale !== 1)
    io.out(`time runs ${timeScale}× faster: a 10-minute bake takes ${formatDuration(600 / timeScale)}`);
  io.out(`crossdeploy local ready on ${stack.url}`);
  let interrupt = () => {};
  const interrupted = new Promise<void>((done) => {
    interrupt = done;
  });
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const unreachable = await Promise.race([interrupted, stack.unreachable]);
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  if (unreachable) io.err(`crossdeploy local: ${unreachable.name}: ${unreachable.message}`);
  io.out('crossdeploy local: stopping');
  await stack.stop();
  return unreachable ? 1 : 0;
}
