import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/io';
import { run as local } from '../../cli/local';
import { type Moto, startMoto } from '../../local/moto';

let moto: Moto | undefined;
let dir: string | undefined;
afterEach(async () => {
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('crossdeploy local when its AWS endpoint goes away', () => {
  it('says what is wrong, naming the endpoint, and exits 1 once it gives up', async () => {
    moto = await startMoto();
    dir = mkdtempSync(join(tmpdir(), 'crossdeploy-local-'));
    copyFileSync(new URL('../../crossdeploy.yaml', import.meta.url), join(dir, 'crossdeploy.yaml'));
    // The templates the example map names, beside it as in the repository.
    cpSync(new URL('../../templates', import.meta.url), join(dir, 'templates'), { recursive: true });
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    const out: string[] = [];
    const err: string[] = [];
    const stopped = moto;
    const io: CliIo = {
      cwd: dir,
      err: (line) => err.push(line),
      out: (line) => {
        out.push(line);
        // The user's moto goes away as soon as crossdeploy local is up.
        if (line.startsWith('crossdeploy local ready on')) void stopped.stop();
      },
    };

    const code = await local(['--give-up-after', '0s'], io);

    expect(code).toBe(1);
    expect(out.filter((line) => line.includes(moto?.endpoint as string))).toEqual([
      expect.stringMatching(/^crossdeploy local: calls to the AWS endpoint http:\/\/127\.0\.0\.1:\d+ fail \(/),
    ]);
    expect(err).toEqual([
      expect.stringMatching(
        /^crossdeploy local: EndpointUnreachable: calls to the AWS endpoint http:\/\/127\.0\.0\.1:\d+ have failed for 0s: /,
      ),
    ]);
  });

  it('refuses a --give-up-after that is not a duration with exit 2', async () => {
    const err: string[] = [];
    const code = await local(['--give-up-after', 'soon'], { cwd: tmpdir(), out: () => {}, err: (l) => err.push(l) });

    expect(code).toBe(2);
    expect(err[0]).toMatch(/^crossdeploy local: --give-up-after: invalid duration "soon"/);
  });

  it.each(['0', '-5', 'fast'])('refuses --time-scale %s with exit 2, before starting anything', async (scale) => {
    const err: string[] = [];
    const code = await local([`--time-scale=${scale}`], { cwd: tmpdir(), out: () => {}, err: (l) => err.push(l) });

    expect(code).toBe(2);
    expect(err).toEqual([`crossdeploy local: --time-scale must be a positive number, not "${scale}"`]);
  });
});
