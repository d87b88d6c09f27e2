/**
 * What the warehouse writer's integration tests share: a fresh warehouse folder per test (removed after it), a
 * writer opened on it that does not wait for the lock, reads through the members' reader, the lake's files, and
 * the fixture's bars for a window.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { fixtureIntradayColumns } from '../../transform/testing/intraday-fixture.ts';
import { type IntradayWindow, transformIntraday } from '../../transform/transform-intraday.ts';
import { type LakeFile, readManifest } from '../lake-manifest.ts';
import { openWarehouseReader } from '../warehouse-reader.ts';
import {
  openWarehouseWriter,
  type WarehouseWriter,
  type WarehouseWriterOptions,
} from '../warehouse-writer.ts';

export interface WriterFixture {
  /** This test's warehouse folder. */
  readonly dir: string;
  open(options?: Partial<WarehouseWriterOptions>): Promise<WarehouseWriter>;
  /** Rows of `sql` through a reader opened on the current snapshot and closed after. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** The bar files the current manifest lists. */
  barFiles(): LakeFile[];
  /** Every file under lake/, with its inode, mtime and size (to tell a file rewritten from one kept). */
  lakeFiles(): Map<string, string>;
}

/** Registers the per-test folder's hooks in the calling test file. */
export function useWriterFixture(): WriterFixture {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-writer-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    open: (options = {}) =>
      openWarehouseWriter({
        warehouseDir: dir,
        log: silentLogger(),
        clock: systemClock,
        lockWaitMs: 0,
        ...options,
      }),
    async query(sql) {
      const reader = await openWarehouseReader(dir);
      try {
        return (await reader.connection.runAndReadAll(sql)).getRowObjectsJson();
      } finally {
        reader.close();
      }
    },
    barFiles: () => readManifest(path.join(dir, 'lake')).datasets.bars ?? [],
    lakeFiles() {
      const files = new Map<string, string>();
      const lake = path.join(dir, 'lake');
      for (const f of fs.readdirSync(lake, { recursive: true }) as string[]) {
        const stat = fs.statSync(path.join(lake, f));
        if (stat.isFile()) files.set(f, `${stat.ino}/${stat.mtimeMs}/${stat.size}`);
      }
      return files;
    },
  };
}

/** The fixture's bars for `window`, transformed for load `loadId`; another `variant` gives other values. */
export function commitOf(window: IntradayWindow, loadId: number, variant = 0) {
  return transformIntraday(
    window,
    fixtureIntradayColumns(window.symbol, window.interval, window.from, window.to, variant),
    { loadId },
  );
}

/** A week of 5-minute AAPL bars. */
export const week: IntradayWindow = {
  symbol: 'AAPL',
  interval: '5min',
  from: '2024-03-04',
  to: '2024-03-08',
};

export const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);
