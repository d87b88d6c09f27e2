import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { loadConfig } from '../core/config.ts';
import { silentLogger } from '../core/log.ts';
import { appendAuditEntry } from '../ops/audit-log.ts';
import { authorize } from '../ops/authorize.ts';
import { openMemberStore } from '../ops/member-store.ts';
import { fixtureIntradayColumns } from '../transform/testing/intraday-fixture.ts';
import { transformIntraday } from '../transform/transform-intraday.ts';
import {
  extractReadOnlyStatements,
  ReadOnlyStatementError,
  runReadOnlyStatement,
  sandboxConnection,
} from './reader-sandbox.ts';
import { openWarehouseReader, type WarehouseReader } from './warehouse-reader.ts';
import { allSnapshotFiles } from './warehouse-snapshot.ts';
import { openWarehouseWriter } from './warehouse-writer.ts';

const mqs = path.resolve(import.meta.dirname, '..', '..', 'scripts', 'mqs.mjs');
let root: string;
let dir: string;
let viewerToken: string;
let reader: WarehouseReader;

/** sha256 of every file under the warehouse and its parent folder, by path: what "changes nothing" means. */
function fingerprint(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    // the reader's own log lines are not warehouse state
    if (file.includes(`${path.sep}logs${path.sep}`)) continue;
    out[path.relative(root, file)] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-sandbox-'));
  dir = path.join(root, 'warehouse');
  const writer = await openWarehouseWriter({ warehouseDir: dir, log: silentLogger(), clock: systemClock });
  const loadId = await writer.beginLoad('test');
  const window = { symbol: 'AAPL', interval: '15min' as const, from: '2024-07-01', to: '2024-07-05' };
  const columns = fixtureIntradayColumns('AAPL', '15min', window.from, window.to);
  await writer.commitIntraday([transformIntraday(window, columns, { loadId })], loadId);
  await writer.publish();
  writer.close();
  const members = openMemberStore(dir, systemClock);
  await members.add('ada', 'admin', 'shell');
  viewerToken = (await members.add('vic', 'viewer', 'ada')).token;
  appendAuditEntry(dir, { at: '2024-07-01T00:00:00.000Z', who: 'ada', action: 'members add', outcome: 'ok' });
  // the member is a viewer, as the probe's was
  const who = await authorize(
    {
      config: loadConfig({ WAREHOUSE_DIR: dir, MEMBER_AUTH_TOKEN: viewerToken }),
      log: silentLogger(),
      clock: systemClock,
    },
    'viewer',
    'sql',
  );
  expect(who).toMatchObject({ kind: 'member', role: 'viewer' });
  reader = await openWarehouseReader(dir);
});
afterAll(() => {
  reader?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const q = (sql: string) => runReadOnlyStatement(reader.connection, sql);
/** A Parquet file of the current snapshot: one the reader may open. */
const lakeFile = () =>
  allSnapshotFiles(reader.snapshot).find((f) => f.includes(`${path.sep}bars${path.sep}`))!;

describe('the member reader is a sandbox', () => {
  it('refuses every escape the probe found with a clear message, and changes no file', async () => {
    const lakePath = lakeFile();
    expect(fs.existsSync(lakePath)).toBe(true);
    const members = path.join(dir, 'members.json');
    const audit = path.join(dir, 'audit.jsonl');
    // A file the reader may not open is refused by the engine while preparing; a write to one it may open (a
    // snapshot file) by the statement type.
    const outsideOrType = (type: string) =>
      new RegExp(`disabled by configuration|refused a ${type} statement`);
    const escapes: [sql: string, message: RegExp][] = [
      [`select * from read_text('${members}')`, /members\.json.*disabled by configuration/],
      [
        `select * from read_text('${path.join(dir, 'lake', '..', 'members.json')}')`,
        /disabled by configuration/,
      ],
      [`select * from read_text('/etc/passwd')`, /passwd.*disabled by configuration/],
      [`select * from read_csv('/etc/passwd')`, /disabled by configuration/],
      [`select * from glob('${dir}/*')`, /disabled by configuration/],
      [`copy (select '{}' as j) to '${members}'`, outsideOrType('COPY')],
      [`copy (select 1) to '${audit}'`, outsideOrType('COPY')],
      [`copy (select 1 as close) to '${lakePath}' (format parquet)`, outsideOrType('COPY')],
      [`copy (select 1) to '${path.join(dir, 'lake', 'new.csv')}'`, outsideOrType('COPY')],
      [`attach '${path.join(dir, 'evil.duckdb')}' as evil`, outsideOrType('ATTACH')],
      [`attach '${path.join(dir, 'lake', 'evil.duckdb')}' as evil`, outsideOrType('ATTACH')],
      [`attach ':memory:' as m`, /refused a ATTACH statement/],
      [`select 1; copy (select 1) to '${members}'`, /holds 2 statements, nothing was run/],
      [`copy (select 1) to '${lakePath}' (format csv)`, /refused a COPY statement/],
      ['install httpfs', /refused a LOAD statement/],
      ['load httpfs', /refused a LOAD statement/],
      ['set enable_external_access = true', /refused a SET statement/],
      [`set allowed_directories = ['/']`, /refused a SET statement/],
      ['reset enable_external_access', /refused a SET statement/],
      ['pragma enable_profiling', /refused a PRAGMA statement/],
      [`export database '${path.join(dir, 'lake', 'exported')}'`, outsideOrType('EXPORT')],
      [`export database '${path.join(root, 'exported')}'`, outsideOrType('EXPORT')],
      ['create table persistent as select 1', /refused a CREATE statement/],
      ['create or replace view bars as select 1', /refused a CREATE statement/],
      ['drop view bars', /refused a DROP statement/],
      [`explain analyze copy (select 1) to '${lakePath}' (format csv)`, /refused a EXPLAIN/],
      ['checkpoint', /refused a CALL statement/],
    ];
    const before = fingerprint();
    for (const [sql, message] of escapes) {
      const outcome = await q(sql).then(
        () => 'ran',
        (error: Error) => error.message,
      );
      expect([sql, outcome]).toEqual([sql, expect.stringMatching(message)]);
    }
    expect(fingerprint()).toEqual(before);
    expect(fs.existsSync(path.join(dir, 'evil.duckdb'))).toBe(false);
    // the views still read the real bars, and nothing replaced them
    const max = await q('select max(close) as m, count(*)::integer as n from bars');
    expect(max.getRowObjectsJS()[0]).toMatchObject({ n: 92 });
  });

  it('holds below the engine even when a caller skips the statement guard', async () => {
    const outside = path.join(dir, 'members.json');
    const before = fingerprint();
    for (const sql of [
      `copy (select 1) to '${outside}'`,
      `attach '${path.join(root, 'x.duckdb')}'`,
      'install httpfs',
      'load httpfs',
      'set enable_external_access = true',
      `set allowed_directories = ['/']`,
      'set lock_configuration = false',
      `export database '${path.join(root, 'exported')}'`,
      `select * from read_text('/etc/passwd')`,
    ])
      await expect(reader.connection.run(sql), sql).rejects.toThrow(/disabled|locked/);
    expect(fingerprint()).toEqual(before);
  });

  it('still runs select, describe, summarize and show tables', async () => {
    expect((await q('select 42 as answer')).getRowObjectsJS()).toEqual([{ answer: 42 }]);
    expect((await q('describe bars_daily')).getRowObjectsJS().map((r) => r.column_name)).toContain(
      'adj_close',
    );
    const summary = (await q('summarize bars')).getRowObjectsJS();
    expect(summary.find((r) => r.column_name === 'symbol')).toMatchObject({ min: 'AAPL', max: 'AAPL' });
    expect((await q('show tables')).getRowObjectsJS().map((r) => r.name)).toContain('bars_daily');
    expect((await q('explain select count(*) from bars')).columnNames()).toContain('explain_value');
    const rows = await q(
      'with d as (from bars_daily) select session_date::varchar as d, close from d order by 1 limit 2',
    );
    expect(rows.getRowObjectsJS()).toHaveLength(2);
  });

  it('lets the prompt run several statements one at a time, each typed before it runs', async () => {
    const before = fingerprint();
    const statements = await extractReadOnlyStatements(
      reader.connection,
      `select 1 as a; copy (select 1) to '${lakeFile()}' (format csv); select 3 as c`,
    );
    expect(statements.count).toBe(3);
    expect((await statements.run(0)).getRowObjectsJS()).toEqual([{ a: 1 }]);
    await expect(statements.run(1)).rejects.toBeInstanceOf(ReadOnlyStatementError);
    expect((await statements.run(2)).getRowObjectsJS()).toEqual([{ c: 3 }]);
    expect(fingerprint()).toEqual(before);
  });
});

describe('sandboxConnection with an explicit list of files', () => {
  it('reads exactly the listed files: not their folder, not a glob over them, and writes none', async () => {
    const lake = path.join(root, 'files-lake');
    fs.mkdirSync(lake);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const a = path.join(lake, 'a.parquet');
      const b = path.join(lake, 'b.parquet');
      await connection.run(`copy (select 1 as x) to '${a}' (format parquet)`);
      await connection.run(`copy (select 2 as x) to '${b}' (format parquet)`);
      await connection.run(`create view listed as select * from read_parquet(['${a}'])`);
      await sandboxConnection(connection, { allowedPaths: [a], allowedDirectories: [] });
      expect((await runReadOnlyStatement(connection, 'from listed')).getRowsJS()).toEqual([[1]]);
      await expect(runReadOnlyStatement(connection, `from '${b}'`)).rejects.toThrow(
        /disabled by configuration/,
      );
      await expect(runReadOnlyStatement(connection, `from '${lake}/*.parquet'`)).rejects.toThrow(
        /disabled by configuration/,
      );
      const bytes = fs.readFileSync(a);
      await expect(connection.run(`copy (select 9 as x) to '${a}' (format parquet)`)).rejects.toThrow(
        /disabled by configuration/,
      );
      expect(fs.readFileSync(a).equals(bytes)).toBe(true);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('mqs sql as a viewer', () => {
  it('refuses a second statement hidden behind a first one, exit 2, members.json unchanged', () => {
    const members = path.join(dir, 'members.json');
    const before = fingerprint();
    const r = spawnSync(
      process.execPath,
      [
        mqs,
        'sql',
        `select 1; copy (select '{"members":[]}' as j) to '${members}' (format csv, header false)`,
      ],
      {
        encoding: 'utf8',
        cwd: root,
        env: { ...process.env, WAREHOUSE_DIR: dir, MEMBER_AUTH_TOKEN: viewerToken, LOG_LEVEL: 'silent' },
      },
    );
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/holds 2 statements, nothing was run/)]);
    expect(fingerprint()).toEqual(before);
  });
});
