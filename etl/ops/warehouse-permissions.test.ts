import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findLoosePermissions, loosePermissionsWarning } from './warehouse-permissions.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('findLoosePermissions', () => {
  it('finds files and folders the group or others can write, and nothing in a private warehouse', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-perms-'));
    dirs.push(dir);
    fs.chmodSync(dir, 0o700);
    fs.mkdirSync(path.join(dir, 'lake', 'bars'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'members.json'), '{}', { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'lake', 'bars', 'data_0.parquet'), 'x', { mode: 0o644 });
    fs.symlinkSync('/tmp', path.join(dir, 'link'));
    expect(findLoosePermissions(dir)).toEqual({ paths: [], count: 0 });
    expect(loosePermissionsWarning(dir)).toBeUndefined();

    fs.chmodSync(path.join(dir, 'members.json'), 0o666);
    fs.chmodSync(path.join(dir, 'lake'), 0o775);
    expect(findLoosePermissions(dir)).toEqual({ paths: ['lake 0775', 'members.json 0666'], count: 2 });
    expect(loosePermissionsWarning(dir)).toMatch(
      /^warning: 2 path\(s\) in .* writable by the group or others \(lake 0775, members.json 0666\).*chmod -R go-w/,
    );
  });
});
