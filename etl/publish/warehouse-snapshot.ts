/**
 * One consistent view of a warehouse's published data: the current manifest of each lake root (the ETL's and
 * the trading books'), read once. Readers build their views over its file lists, so a publish after they opened
 * changes nothing they see.
 */
import path from 'node:path';
import { datasetPaths, type LakeManifest, lakeFilePath, readManifest } from './lake-manifest.ts';
import {
  type LakeRoot,
  type LakeSource,
  lakeRootOf,
  type RelationFile,
  sourceRelationSql,
} from './lake-sources.ts';

export interface WarehouseSnapshot {
  lakeDir: string;
  manifests: Record<LakeRoot, LakeManifest>;
}

/** The lake folder of a warehouse. */
export function lakeDirOf(warehouseDir: string): string {
  return path.join(path.resolve(warehouseDir), 'lake');
}

export function readWarehouseSnapshot(warehouseDir: string): WarehouseSnapshot {
  const lakeDir = lakeDirOf(warehouseDir);
  return {
    lakeDir,
    manifests: {
      etl: readManifest(lakeRootOf(lakeDir, 'etl')),
      books: readManifest(lakeRootOf(lakeDir, 'books')),
    },
  };
}

/** A source's files in the snapshot with their partition and min/max, as its relation reads them. */
export function snapshotRelationFiles(snapshot: WarehouseSnapshot, source: LakeSource): RelationFile[] {
  const root = lakeRootOf(snapshot.lakeDir, source.root);
  return (snapshot.manifests[source.root].datasets[source.dir] ?? []).map((f) => ({
    path: lakeFilePath(root, f),
    partition: f.partition,
    min: f.min,
    max: f.max,
  }));
}

/** The relation a staging view reads for `source` in this snapshot. */
export function snapshotRelation(snapshot: WarehouseSnapshot): (source: LakeSource) => string {
  return (source) => sourceRelationSql(source, snapshotRelationFiles(snapshot, source));
}

/** Every file of the snapshot (absolute paths): what a sandboxed reader may open. */
export function allSnapshotFiles(snapshot: WarehouseSnapshot): string[] {
  const roots: LakeRoot[] = ['etl', 'books'];
  return roots.flatMap((root) =>
    Object.keys(snapshot.manifests[root].datasets).flatMap((dataset) =>
      datasetPaths(lakeRootOf(snapshot.lakeDir, root), snapshot.manifests[root], dataset),
    ),
  );
}

/** A view `lake_snapshot(root, version)`: which manifest versions a reader or catalog is bound to. */
export function snapshotViewSql(snapshot: WarehouseSnapshot): string {
  return `create or replace view lake_snapshot as
    select * from (values ('etl', ${snapshot.manifests.etl.version}), ('books', ${snapshot.manifests.books.version}))
      t(root, version)`;
}
