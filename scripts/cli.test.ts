import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST_CLI_DIR } from './build-state.mjs';

const mqs = path.resolve(import.meta.dirname, 'mqs.mjs');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [mqs, ...args], { encoding: 'utf8', env: { ...process.env, FMP_API_KEY: '' } });

describe('mqs CLI', () => {
  it('lists its commands with --help and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('calendar');
  });

  it('exits 2 on an unknown command', () => {
    const r = run('no-such-command');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument/);
  });

  it('exits 2 naming the bad input', () => {
    const r = run('calendar', '--from', '2024-02-30');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--from "2024-02-30" is not a date');
  });

  it('exits 2 naming the broken config key', () => {
    const r = spawnSync(process.execPath, [mqs, 'bench', 'nothing'], {
      encoding: 'utf8',
      env: { ...process.env, FMP_PLAN: 'gold' },
    });
    expect(r.status).toBe(2);
  });

  it('prints the calendar as JSON', () => {
    const r = run('calendar', '--from', '2024-11-28', '--to', '2024-11-29', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        date: '2024-11-29',
        open_at: '2024-11-29T14:30:00.000Z',
        close_at: '2024-11-29T18:00:00.000Z',
        early_close: true,
        source: 'published',
      },
    ]);
  });
});

describe('mqs CLI usage errors', () => {
  it('does not run a command whose options are mistyped', () => {
    const r = run('calendar', '--yeer', '2024');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Unknown argument: yeer/);
  });
});

describe('the context the CLI root builds', () => {
  it("writes a command's log to the file its table entry declares, and none where it declares none", () => {
    const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-cli-context-'));
    try {
      const env = { ...process.env, FMP_API_KEY: '', MEMBER_AUTH_TOKEN: '', WAREHOUSE_DIR: warehouse };
      const mqsIn = (...args: string[]) =>
        spawnSync(process.execPath, [mqs, ...args], { encoding: 'utf8', env });
      expect(mqsIn('members', 'list').status).toBe(0);
      expect(fs.existsSync(path.join(warehouse, 'logs'))).toBe(false);
      // without --yes, reset refuses having logged nothing: no file is opened before a first line
      expect(mqsIn('warehouse', 'reset').status).toBe(2);
      expect(fs.existsSync(path.join(warehouse, 'logs'))).toBe(false);
      const reset = mqsIn('warehouse', 'reset', '--yes');
      expect(reset.status).toBe(0);
      // the line goes to the file only: the terminal gets the summary on stdout
      expect(reset.stderr).toBe('');
      expect(fs.readdirSync(path.join(warehouse, 'logs'))).toEqual(['warehouse.log']);
      const line = JSON.parse(fs.readFileSync(path.join(warehouse, 'logs', 'warehouse.log'), 'utf8'));
      expect(line).toMatchObject({ msg: 'market data reset', removed: [] });
    } finally {
      fs.rmSync(warehouse, { recursive: true, force: true });
    }
  });
});

describe("the compiled CLI's code cache (run-compiled.mjs)", () => {
  const withCacheIn = (dir: string, ...args: string[]) =>
    spawnSync(process.execPath, [mqs, ...args], {
      encoding: 'utf8',
      env: { ...process.env, FMP_API_KEY: '', MQS_CODE_CACHE_DIR: dir },
    });

  it("writes a command's cache after it succeeds, runs correctly over one V8 refuses, and replaces it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-code-cache-'));
    try {
      const first = withCacheIn(dir, 'calendar', '--year', '2024', '--json');
      expect(first.status).toBe(0);
      const [cache] = fs.readdirSync(dir);
      expect(fs.readdirSync(dir)).toEqual([expect.stringMatching(/^calendar-\d+-\d+\.bin$/)]);
      const garbage = Buffer.from('not a code cache');
      fs.writeFileSync(path.join(dir, cache!), garbage);
      const r = withCacheIn(dir, 'calendar', '--year', '2024', '--json');
      expect([r.status, r.stdout, r.stderr]).toEqual([0, first.stdout, '']);
      expect(fs.readFileSync(path.join(dir, cache!)).equals(garbage)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps one cache a command, of its bundle's current build", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-code-cache-'));
    try {
      // an earlier build's cache of the same command, and another command's, which stays
      fs.writeFileSync(path.join(dir, 'calendar-1-2.bin'), 'an earlier build');
      fs.writeFileSync(path.join(dir, 'sql-1-2.bin'), 'another command');
      expect(withCacheIn(dir, 'calendar', '--year', '2024').status).toBe(0);
      const bundle = fs.statSync(path.join(DIST_CLI_DIR, 'calendar.cjs'));
      expect(fs.readdirSync(dir).sort()).toEqual([
        `calendar-${Math.trunc(bundle.mtimeMs)}-${bundle.size}.bin`,
        'sql-1-2.bin',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps no cache of a command that failed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-code-cache-'));
    try {
      expect(withCacheIn(dir, 'calendar', '--yeer', '2024').status).toBe(2);
      expect(withCacheIn(dir, 'no-such-command').status).toBe(2);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
