import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// why: stdout and stderr write asynchronously on a pipe; a CLI that exits before they drain hands the reader the
// first 64 KiB only. These run mqs under a real shell pipe and compare with the same output to a file.
const mqs = path.resolve(import.meta.dirname, 'mqs.mjs');
const QUERY = "select range as i, repeat('x', 100) as s from range(100000)";
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-pipe-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const sh = (script: string) =>
  execFileSync('sh', ['-c', script], {
    env: { ...process.env, WAREHOUSE_DIR: dir, LOG_LEVEL: 'silent', MQS: mqs, NODE: process.execPath },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });

describe('mqs output on a pipe', () => {
  for (const form of [['--json'], []]) {
    const name = form.length ? 'JSON' : 'table';
    it(`writes the whole ${name} form of a result over 10 MB through a pipe, byte for byte as to a file`, () => {
      const args = ['sql', ...form, QUERY].map(quote).join(' ');
      const file = path.join(dir, `file-${name}`);
      const piped = path.join(dir, `piped-${name}`);
      const status = sh(
        `"$NODE" "$MQS" ${args} > ${quote(file)}; echo "file:$?"; ` +
          `"$NODE" "$MQS" ${args} | cat > ${quote(piped)}; echo "pipe:$?"`,
      );
      expect(status).toBe('file:0\npipe:0\n');
      const expected = fs.readFileSync(file);
      expect(expected.length).toBeGreaterThan(10 * 1024 * 1024);
      expect(fs.readFileSync(piped).equals(expected)).toBe(true);
      if (form.length) expect((JSON.parse(expected.toString('utf8')) as unknown[]).length).toBe(100_000);
      else expect(expected.toString('utf8').trimEnd().endsWith('(100000 rows)')).toBe(true);
    });
  }

  it('ends quietly when the reader closes early (| head -n 2)', () => {
    const errFile = path.join(dir, 'head-err');
    const out = sh(`"$NODE" "$MQS" sql ${quote(QUERY)} 2> ${quote(errFile)} | head -n 2`);
    expect(out.split('\n').slice(0, 1)).toEqual([expect.stringMatching(/^i\s+s$/)]);
    expect(fs.readFileSync(errFile, 'utf8')).toBe('');
  });
});
