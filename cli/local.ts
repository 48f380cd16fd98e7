import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadMapFile } from '../core/map/load';
import { progressPrinter } from '../local/progress';
import { startLocalStack } from '../local/stack';
import type { CliIo } from './io';
import { STATE_DIR } from './local-endpoint';

/** `crossdeploy local`: the whole orchestrator on loopback until interrupted. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      map: { type: 'string', default: 'crossdeploy.yaml' },
      port: { type: 'string', default: '0' },
      'public-url': { type: 'string' },
    },
  });
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
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
  });
  io.out(`AWS APIs (moto + ECS scheduler + Step Functions) on ${stack.runtime.endpoint}`);
  io.out(`GitHub webhook: POST ${stack.url}/webhooks/github (secret in ${STATE_DIR}/github-webhook-secret)`);
  io.out(`crossdeploy local ready on ${stack.url}`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  io.out('crossdeploy local: stopping');
  await stack.stop();
  return 0;
}
