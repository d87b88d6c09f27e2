import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpGet } from '../../etl/sim/http-get.ts';

const mqs = path.resolve(import.meta.dirname, '..', 'mqs.mjs');
const env = { ...process.env, FMP_API_KEY: '', LOG_LEVEL: 'silent' };

describe('mqs sim', () => {
  it('exits 2 naming a bad plan', () => {
    const r = spawnSync(process.execPath, [mqs, 'sim', '--plan', 'gold'], { encoding: 'utf8', env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--plan "gold": use one of basic, starter, premium, ultimate');
  });

  it('prints its base URL, serves FMP routes and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [mqs, 'sim', '--port', '0', '--api-key', 'k123', '--plan', 'starter'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.once('exit', (code) => reject(new Error(`mqs sim exited with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const quote = await httpGet(`${url}/stable/quote?symbol=AAPL&apikey=k123`);
      expect(quote.status).toBe(200);
      expect(JSON.parse(quote.text)[0].symbol).toBe('AAPL');
      expect((await httpGet(`${url}/stable/historical-chart/1min?symbol=AAPL&apikey=k123`)).status).toBe(402);
      expect((await httpGet(`${url}/stable/quote?symbol=AAPL&apikey=demo`)).status).toBe(401);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
