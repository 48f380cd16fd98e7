import { describe, expect, it } from 'vitest';
import { startMoto } from '../../local/moto';

describe('moto server', () => {
  it('fails with MotoNotInstalled, saying how to install it, when the executable is missing', async () => {
    const start = startMoto({ command: 'moto_server_missing' });

    await expect(start).rejects.toMatchObject({ name: 'MotoNotInstalled' });
    await expect(start).rejects.toThrow('pip install "moto[server]"');
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
