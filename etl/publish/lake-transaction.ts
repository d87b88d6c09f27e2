/**
 * One publish of a lake root in the making: new immutable files are written beside the live ones (invisible
 * until a manifest lists them), files are swapped out of the working set, and `commit` publishes the next
 * snapshot. Nothing a reader can see changes before the manifest's rename; a crash before it leaves files no
 * manifest lists, which collectGarbage deletes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlStringList } from '../core/sql-literals.ts';
import {
  type LakeFile,
  type LakeManifest,
  lakeFilePath,
  MANIFEST_FORMAT,
  type ManifestWindowState,
  newFileName,
  writeManifest,
} from './lake-manifest.ts';
import type { LakeSource } from './lake-sources.ts';

// why 32,768-row groups: DuckDB's Parquet reader skips whole row groups by their min/max but decompresses every
// page of a group it reads, so one symbol's month (~8k bars) paid for a 256k-row group's worth of zstd pages;
// smaller groups cost a little size (measurements: docs/performance.md#lake-files).
// why parquet_version v2: integers and times get DELTA_BINARY_PACKED instead of PLAIN + zstd, which DuckDB decodes
// several times faster (a scan of `volume` over 28M bars: 447 → 191 ms of CPU); every engine the README names
// reads v2 pages.
// why dictionary_size_limit 16384: with v2, a column above the limit falls back to BYTE_STREAM_SPLIT (doubles),
// which zstd compresses worse than plain; 16 KiB keeps a row group's prices in a dictionary (15.3 bytes a bar on
// the simulator's 1-minute data against 18.2 at 4096). Both: docs/performance.md#lake-files.
export const PARQUET_OPTIONS =
  'format parquet, compression zstd, row_group_size 32768, dictionary_size_limit 16384, parquet_version v2';

interface CopyStatsRow {
  count: bigint | number;
  file_size_bytes: bigint | number;
  column_statistics: { key: string; value: { key: string; value: string }[] }[];
}

export class LakeTransaction {
  private readonly working = new Map<string, LakeFile[]>();
  private readonly added: LakeFile[] = [];
  private removedCount = 0;
  private readonly properties: Record<string, string>;

  constructor(
    /** The lake root folder (where the manifest lives). */
    readonly root: string,
    private readonly connection: DuckDBConnection,
    readonly base: LakeManifest,
  ) {
    for (const [dataset, files] of Object.entries(base.datasets)) this.working.set(dataset, [...files]);
    this.properties = { ...base.properties };
  }

  /** The version this transaction publishes. */
  get version(): number {
    return this.base.version + 1;
  }

  /** Whether anything would change (files written or dropped, or properties set). */
  get changed(): boolean {
    return (
      this.added.length > 0 ||
      this.removedCount > 0 ||
      JSON.stringify(this.properties) !== JSON.stringify(this.base.properties)
    );
  }

  /** Files written by this transaction so far (relative paths). */
  get addedFiles(): readonly LakeFile[] {
    return this.added;
  }

  /** Live files of a dataset (optionally of one partition) as this transaction stands. */
  files(dataset: string, partition?: string): LakeFile[] {
    const all = this.working.get(dataset) ?? [];
    return partition === undefined ? [...all] : all.filter((f) => f.partition === partition);
  }

  property(key: string): string | undefined {
    return this.properties[key];
  }

  setProperty(key: string, value: string): void {
    this.properties[key] = value;
  }

  /**
   * Writes `query` (the source's columns, in order) as a new file of `partition`, in the source's sort order if
   * `sort` (else as the query yields them); returns it, or undefined when the query has no rows.
   */
  async writeFile(
    source: LakeSource,
    partition: string,
    query: string,
    options: { sort?: boolean; copyOptions?: string } = {},
  ): Promise<LakeFile | undefined> {
    const name = newFileName(this.version);
    const relative = [source.dir, ...(partition ? partition.split('/') : []), name].join('/');
    const file = path.join(this.root, ...relative.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const columns = source.columns.map(([n]) => n).join(', ');
    const ordered = options.sort ? ` order by ${source.sortKeys.join(', ')}` : '';
    const copyOptions = options.copyOptions ? `, ${options.copyOptions}` : '';
    const reader = await this.connection.runAndReadAll(
      `copy (select ${columns} from (${query})${ordered}) to $file (${PARQUET_OPTIONS}, return_stats${copyOptions})`,
      { file },
    );
    const stats = reader.getRowObjectsJS()[0] as unknown as CopyStatsRow;
    const rows = Number(stats.count);
    if (rows === 0) {
      fs.rmSync(file, { force: true });
      return undefined;
    }
    const min: Record<string, string> = {};
    const max: Record<string, string> = {};
    for (const { key, value } of stats.column_statistics) {
      const column = key.replace(/^"|"$/g, '');
      if (!source.statsColumns.includes(column)) continue;
      for (const entry of value) {
        if (entry.key === 'min') min[column] = entry.value;
        if (entry.key === 'max') max[column] = entry.value;
      }
    }
    const written: LakeFile = {
      path: relative,
      partition,
      rows,
      bytes: Number(stats.file_size_bytes),
      min,
      max,
    };
    this.added.push(written);
    this.working.set(source.dir, [...(this.working.get(source.dir) ?? []), written]);
    return written;
  }

  /** Adds an existing immutable file to the working set (the v1 upgrade's files). */
  adopt(dataset: string, file: LakeFile): void {
    this.added.push(file);
    this.working.set(dataset, [...(this.working.get(dataset) ?? []), file]);
  }

  /** Takes files out of the working set (they stay on disk while a kept snapshot lists them). */
  remove(dataset: string, files: readonly LakeFile[]): void {
    const gone = new Set(files.map((f) => f.path));
    const before = this.working.get(dataset) ?? [];
    const after = before.filter((f) => !gone.has(f.path));
    this.removedCount += before.length - after.length;
    this.working.set(dataset, after);
  }

  /**
   * Replaces `files` of a partition by one file holding their rows, sorted (a compaction). Returns the new file.
   */
  async compact(
    source: LakeSource,
    partition: string,
    files: readonly LakeFile[],
  ): Promise<LakeFile | undefined> {
    const written = await this.writeFile(source, partition, this.readFilesSql(files), { sort: true });
    this.remove(source.dir, files);
    return written;
  }

  /** A file's absolute path. */
  absolutePath(file: LakeFile): string {
    return lakeFilePath(this.root, file);
  }

  /** `read_parquet` over some of the root's files (their stored columns; no hive columns). */
  readFilesSql(files: readonly LakeFile[]): string {
    const list = sqlStringList(files.map((f) => this.absolutePath(f)));
    return `select * from read_parquet(${list}, hive_partitioning = false)`;
  }

  /** Publishes the next snapshot: the working set, the properties and the ledger changes it carries. */
  commit(createdAt: number, windows: ManifestWindowState[] = []): LakeManifest {
    const datasets: Record<string, LakeFile[]> = {};
    for (const [dataset, files] of [...this.working.entries()].sort(([a], [b]) => a.localeCompare(b)))
      if (files.length > 0) datasets[dataset] = files;
    const manifest: LakeManifest = {
      format: MANIFEST_FORMAT,
      version: this.version,
      createdAt,
      datasets,
      properties: this.properties,
      windows,
    };
    writeManifest(this.root, manifest);
    return manifest;
  }
}
