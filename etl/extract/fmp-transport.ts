/**
 * HTTP for the FMP client: one undici pool per client, one GET per attempt with its own timeout, gzip bodies
 * inflated off the main thread, and the breaker's probe of FMP's own origin. An attempt never throws (a failure is
 * an `Attempt` of kind `network`) except when the caller aborts.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Pool } from 'undici';
import type { Clock } from '../core/clock.ts';
import { UsageError } from '../core/errors.ts';
import { type FmpAnswer, retryAfterMs } from './classify-response.ts';
import { errorText, scrubApiKey } from './fmp-errors.ts';

const gunzipAsync = promisify(gunzip);

/** What one attempt produced. */
export type Attempt =
  | ({ kind: 'answer' } & FmpAnswer)
  | { kind: 'network'; reason: string; answered: boolean };

/** The counters an attempt adds to (the client's statistics). */
export interface TransferCounters {
  requests: number;
  wireBytes: number;
  decodedBytes: number;
}

export interface FmpTransportOptions {
  /** The parsed base URL (`parseBaseUrl`): its origin is the pool's, its path prefixes `/stable/`. */
  url: URL;
  apiKey: string;
  /** Connections in the pool. */
  concurrency: number;
  /** Per-attempt timeout, ms: connect (at most 10 s), headers, body and the whole attempt. */
  timeoutMs: number;
  clock: Clock;
  counters: TransferCounters;
}

/** The FMP base URL, or a UsageError naming what is expected. */
export function parseBaseUrl(baseUrl: string): URL {
  try {
    return new URL(baseUrl);
  } catch (cause) {
    throw new UsageError(
      `FMP base URL ${JSON.stringify(baseUrl)} is not a URL (expected e.g. https://financialmodelingprep.com)`,
      { cause },
    );
  }
}

/**
 * Output chunk size for inflating a gzip body: its decoded size from the gzip trailer (ISIZE, the size mod 2^32),
 * clamped to 64 KB … 16 MB. why: with zlib's default 16 KB chunks a ~200 KB body took a dozen round trips to the
 * main thread; one chunk cost 0.32 ms of CPU a body against 0.56 (measured). The trailer is only a size hint: a
 * wrong one costs extra chunks or a larger buffer, never wrong bytes.
 */
function gunzipChunkSize(wire: Buffer): number {
  const decoded = wire.length >= 18 ? wire.readUInt32LE(wire.length - 4) : 0;
  return Math.min(16 * 1024 * 1024, Math.max(64 * 1024, decoded + 1));
}

export class FmpTransport {
  private readonly pool: Pool;
  private readonly pathPrefix: string;

  constructor(private readonly options: FmpTransportOptions) {
    this.pathPrefix = options.url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(options.url.origin, {
      connections: options.concurrency,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** The request path of an endpoint: `/stable/<endpoint>?<params>&apikey=<key>`, every value encoded. */
  pathOf(endpoint: string, params: Record<string, string>): string {
    const query = Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    const sep = query === '' ? '' : '&';
    return `${this.pathPrefix}/stable/${endpoint}?${query}${sep}apikey=${encodeURIComponent(this.options.apiKey)}`;
  }

  /** One HTTP attempt; never throws except when the caller aborts. */
  async send(path: string, callerSignal: AbortSignal | undefined): Promise<Attempt> {
    const { counters, timeoutMs } = this.options;
    counters.requests += 1;
    // why: one controller per attempt, its listener removed afterwards; AbortSignal.any on a long-lived caller
    // signal would pile up listeners over thousands of requests.
    const attempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onCallerAbort = () => attempt.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const signal = attempt.signal;
    let answered = false;
    try {
      const response = await this.pool.request({
        method: 'GET',
        path,
        headers: { 'accept-encoding': 'gzip', accept: 'application/json' },
        signal,
      });
      answered = true;
      const wire = Buffer.from(await response.body.arrayBuffer());
      counters.wireBytes += wire.length;
      const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
      const body = encoding === 'gzip' ? await gunzipAsync(wire, { chunkSize: gunzipChunkSize(wire) }) : wire;
      counters.decodedBytes += body.length;
      return {
        kind: 'answer',
        status: response.statusCode,
        body,
        retryAfterMs: retryAfterMs(response.headers['retry-after'], this.options.clock.now()),
      };
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      const reason = timedOut
        ? `timed out after ${timeoutMs} ms`
        : scrubApiKey(errorText(error), this.options.apiKey);
      return { kind: 'network', reason, answered };
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** The breaker's probe: any HTTP answer from FMP's own origin means it is reachable. */
  async probe(stopSignal: AbortSignal): Promise<boolean> {
    const probe = new AbortController();
    const timer = setTimeout(() => probe.abort(), this.options.timeoutMs);
    const onStop = () => probe.abort();
    stopSignal.addEventListener('abort', onStop, { once: true });
    try {
      const response = await this.pool.request({
        method: 'GET',
        path: `${this.pathPrefix}/stable/`,
        signal: probe.signal,
      });
      await response.body.dump();
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      stopSignal.removeEventListener('abort', onStop);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
