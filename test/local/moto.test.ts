import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMoto } from '../../local/moto';

describe('moto server', () => {
  it('fails with MotoNotInstalled, saying how to install it, when the executable is missing', async () => {
    const start = startMoto({ command: 'moto_server_missing' });

    await expect(start).rejects.toMatchObject({ name: 'MotoNotInstalled' });
    await expect(start).rejects.toThrow('pip install "moto[server]"');
  });

  it('fails with MotoNotInstalled, saying how to install it, when its Python cannot import moto', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crossdeploy-python-'));
    const python = join(dir, 'python-without-moto');
    // -S leaves site-packages, where moto is installed, off Python's path.
    await writeFile(python, '#!/bin/sh\nexec python3 -S "$@"\n', { mode: 0o755 });
    try {
      const start = startMoto({ command: python });

      await expect(start).rejects.toMatchObject({ name: 'MotoNotInstalled' });
      await expect(start).rejects.toThrow(
        `moto is not importable by "${python}". Install moto's server mode: pip install "moto[server]"`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers on its endpoint, wipes state on reset and stops answering once stopped', async () => {
    const moto = await startMoto();
    const bucket = `${moto.endpoint}/moto-api/data.json`;
    try {
      expect((await fetch(bucket)).ok).toBe(true);
      await moto.reset();
    } finally {
      await moto.stop();
    }

    await expect(fetch(bucket)).rejects.toThrow();
  });
});
