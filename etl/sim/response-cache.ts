import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

/** A rendered 200 body with its validator and (lazily) its gzip form. */
export interface RenderedBody {
  body: Buffer;
  etag: string;
  gzip?: Buffer;
}

export function renderBody(text: string): RenderedBody {
  const body = Buffer.from(text, 'utf8');
  const digest = createHash('sha1').update(body).digest('base64url').slice(0, 27);
  return { body, etag: `W/"${body.length.toString(16)}-${digest}"` };
}

/** The gzip form of a rendered body, computed once. */
export function gzipOf(rendered: RenderedBody): Buffer {
  // why: speed over ratio; the simulator must not be the bottleneck of a benchmark.
  rendered.gzip ??= zlib.gzipSync(rendered.body, { level: 1 });
  return rendered.gzip;
}

/** A least-recently-used cache of rendered bodies, bounded by total bytes. */
export class ResponseCache {
  private readonly entries = new Map<string, RenderedBody>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    /** Most bytes (bodies plus their gzip forms) kept. */
    private readonly maxBytes: number,
  ) {}

  get(key: string): RenderedBody | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      this.misses++;
    }
    return entry;
  }

  set(key: string, entry: RenderedBody): void {
    const size = entry.body.length * 1.5;
    if (size > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.body.length * 1.5;
    }
    this.entries.set(key, entry);
    this.bytes += size;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.body.length * 1.5;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
