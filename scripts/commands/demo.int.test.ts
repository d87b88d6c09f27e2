import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const mqs = path.resolve(import.meta.dirname, '..', 'mqs.mjs');

// The README's first command, end to end through the compiled CLI as a newcomer runs it: the ETL on the built-in
// simulator, the marts, and a backtest, which imports a portfolio's strategy.ts (TypeScript, outside the bundle).
describe('mqs demo', () => {
  it('loads, queries and backtests on the simulator, from a fresh start and again from the code cache', () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-demo-code-cache-'));
    for (const round of ['without a code cache', 'with the code cache the first run left']) {
      const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-demo-'));
      try {
        const r = spawnSync(process.execPath, [mqs, 'demo'], {
          encoding: 'utf8',
          env: {
            ...process.env,
            FMP_API_KEY: '',
            FMP_BASE_URL: '',
            MEMBER_AUTH_TOKEN: '',
            WAREHOUSE_DIR: warehouse,
            MQS_CODE_CACHE_DIR: cacheDir,
          },
        });
        expect([round, r.status]).toEqual([round, 0]);
        // stderr holds the simulator's warning (SYNTHETIC DATA) and no error
        expect(r.stderr).toContain('SYNTHETIC DATA');
        expect(r.stderr).not.toMatch(/^mqs:|Error/m);
        expect(r.stdout).toMatch(/^coverage: 10 symbols, \d+ symbol-sessions/m);
        expect(r.stdout).toMatch(/^ {2}trades \d+ {2}win rate/m);
        const report = /^report: (.+\.html)$/m.exec(r.stdout)?.[1];
        expect(report !== undefined && fs.statSync(report).size > 0).toBe(true);
      } finally {
        fs.rmSync(warehouse, { recursive: true, force: true });
      }
      expect(fs.readdirSync(cacheDir)).toEqual([expect.stringMatching(/^demo-\d+-\d+\.bin$/)]);
    }
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
});
