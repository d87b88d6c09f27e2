/**
 * A loopback FMP stand-in for the client's tests: each answer is scripted per request (a fake server, not a mock
 * of our code).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** What the fake answers: a status and body, or a broken connection. */
export type Reply =
  | { status?: number; body: string; headers?: Record<string, string> }
  | { reset: true }
  | { truncate: string }
  | { hang: true };

export interface Seen {
  path: string;
  query: URLSearchParams;
  acceptEncoding: string | undefined;
}

/** A loopback FMP stand-in whose answers a test scripts per request (a fake, not a mock of our code). */
export class FakeFmp {
  readonly seen: Seen[] = [];
  private server: http.Server;
  port = 0;
  constructor(private handler: (seen: Seen, index: number) => Reply) {
    this.server = this.create();
  }
  private create(): http.Server {
    return http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const seen: Seen = {
        path: url.pathname,
        query: url.searchParams,
        acceptEncoding: req.headers['accept-encoding'],
      };
      this.seen.push(seen);
      const reply = this.handler(seen, this.seen.length - 1);
      if ('reset' in reply) {
        req.socket.destroy();
        return;
      }
      if ('hang' in reply) return;
      if ('truncate' in reply) {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(reply.truncate.length * 2),
        });
        res.write(reply.truncate);
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
      const gzip = /gzip/.test(seen.acceptEncoding ?? '');
      const payload = gzip ? gzipSync(reply.body) : Buffer.from(reply.body);
      res.writeHead(reply.status ?? 200, {
        'content-type': 'application/json; charset=utf-8',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        ...reply.headers,
      });
      res.end(payload);
    });
  }
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
  async restart(): Promise<void> {
    this.server = this.create();
    await this.start(this.port);
  }
  setHandler(handler: (seen: Seen, index: number) => Reply): void {
    this.handler = handler;
  }
  dataRequests(): Seen[] {
    return this.seen.filter((s) => s.query.has('apikey'));
  }
}
