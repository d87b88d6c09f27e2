/**
 * Worker thread of the load bench: reads pre-fetched FMP bodies, runs parseIntradayBody → transformIntraday and
 * posts each batch's typed arrays back (transferred, not copied). It parses a batch only when asked, so at most
 * one batch is in flight here while the main thread commits the previous one.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseIntradayBody } from '../../etl/extract/intraday-parser.ts';
import { type BarColumns, barColumnsOf } from '../../etl/transform/bar-batch-schema.ts';
import {
  type IntradayWindow,
  type QuarantinedBar,
  transformIntraday,
} from '../../etl/transform/transform-intraday.ts';

/** One body to load: the file and the window it answers. */
export interface BenchBody {
  file: string;
  symbol: string;
  from: string;
  to: string;
}

export interface ParseWorkerData {
  bodies: BenchBody[];
}

/** Asks for the next `count` bodies, transformed with lineage `loadId`. */
export interface ParseRequest {
  count: number;
  loadId: number;
}

export interface ParsedWindow {
  window: IntradayWindow;
  columns: BarColumns;
  quarantined: QuarantinedBar[];
}

/** The parsed batch (empty once every body is done) and the seconds this batch spent in each stage. */
export interface ParsedBatch {
  windows: ParsedWindow[];
  parseS: number;
  transformS: number;
}

const port = parentPort;
if (!port) throw new Error('_load-parse-worker runs as a worker thread of the load bench');
const { bodies } = workerData as ParseWorkerData;
let next = 0;
port.on('message', ({ count, loadId }: ParseRequest) => {
  const batch: ParsedBatch = { windows: [], parseS: 0, transformS: 0 };
  const buffers = new Set<ArrayBuffer>();
  for (const end = Math.min(bodies.length, next + count); next < end; next++) {
    const body = bodies[next]!;
    let t0 = performance.now();
    const columns = parseIntradayBody(fs.readFileSync(body.file));
    batch.parseS += (performance.now() - t0) / 1000;
    t0 = performance.now();
    const window: IntradayWindow = { symbol: body.symbol, interval: '1min', from: body.from, to: body.to };
    const result = transformIntraday(window, columns, { loadId });
    batch.transformS += (performance.now() - t0) / 1000;
    const c = barColumnsOf(result.batch);
    for (const array of [c.barStartAt, c.barEndAt, c.sessionDate, c.open, c.high, c.low, c.close])
      buffers.add(array.buffer as ArrayBuffer);
    for (const array of [c.volume, c.loadId]) buffers.add(array.buffer as ArrayBuffer);
    batch.windows.push({ window, columns: c, quarantined: result.quarantined });
  }
  port.postMessage(batch, [...buffers]);
});
