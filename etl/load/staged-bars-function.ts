import { type DuckDBConnection, DuckDBTableFunction, type DuckDBType } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import { type BarBatch, type BarColumns, barColumnsOf } from '../transform/bar-batch-schema.ts';

/** DuckDB's standard vector size: the most rows one output chunk holds. */
const CHUNK_ROWS = 2048;

interface ScanState {
  batch: number;
  offset: number;
}

/**
 * A table function that scans the bar batches of the current commit straight from their typed arrays: the
 * staging relation of the merge, without copying the rows into a staging table first (the fastest way into DuckDB:
 * docs/performance.md#load-path). Each scan starts from the first batch, so one commit may read it several times.
 * Fixed-width columns are memcpy'd slices; symbol and interval are constant vectors.
 */
export class StagedBarsFunction {
  private columns: BarColumns[] = [];

  /**
   * Registers `name()` on the connection; its columns are `columns` (the bars table's, in order). With `threads`
   * above 1 (default 1) DuckDB may scan it from several threads: each call hands out the next chunk (calls run one
   * at a time on the JS thread), so rows come out in no fixed order; with 1 they come in staged order.
   */
  constructor(
    connection: DuckDBConnection,
    readonly name: string,
    columns: readonly (readonly [string, DuckDBType])[],
    threads = 1,
  ) {
    const fn = DuckDBTableFunction.create({
      name,
      bindFunction: (info) => {
        for (const [column, type] of columns) info.addResultColumn(column, type);
        info.setCardinality(
          this.columns.reduce((sum, c) => sum + c.length, 0),
          true,
        );
      },
      // why: init runs once per scan, so every query (and every scan within one) starts at the first batch.
      initFunction: (info) => {
        info.setInitData({ batch: 0, offset: 0 } satisfies ScanState);
        info.setMaxThreads(threads);
      },
      mainFunction: (info, output) => {
        const state = info.initData as ScanState;
        while (state.batch < this.columns.length && state.offset >= this.columns[state.batch]!.length) {
          state.batch++;
          state.offset = 0;
        }
        const c = this.columns[state.batch];
        if (!c) {
          output.rowCount = 0;
          return;
        }
        const rows = Math.min(CHUNK_ROWS, c.length - state.offset);
        output.rowCount = rows;
        const raw = output.chunk;
        bindings.vector_reference_value(
          bindings.data_chunk_get_vector(raw, 0),
          bindings.create_varchar(c.symbol),
        );
        bindings.vector_reference_value(
          bindings.data_chunk_get_vector(raw, 1),
          bindings.create_varchar(c.interval),
        );
        const fixed = [
          c.barStartAt,
          c.barEndAt,
          c.sessionDate,
          c.open,
          c.high,
          c.low,
          c.close,
          c.volume,
          c.loadId,
        ];
        fixed.forEach((array, k) => {
          const width = array.BYTES_PER_ELEMENT;
          // why: copy_data_to_vector is unchecked; byte counts come from the typed array's own element width.
          bindings.copy_data_to_vector(
            bindings.data_chunk_get_vector(raw, k + 2),
            0,
            array.buffer as ArrayBuffer,
            array.byteOffset + state.offset * width,
            rows * width,
          );
        });
        state.offset += rows;
      },
    });
    connection.registerTableFunction(fn);
  }

  /** Sets the batches the next queries scan. */
  stage(batches: readonly BarBatch[]): void {
    this.columns = batches.map(barColumnsOf).filter((c) => c.length > 0);
  }

  clear(): void {
    this.columns = [];
  }
}
