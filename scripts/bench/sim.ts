/**
 * `npm run bench -- sim [--json] [--symbols N] [--days N] [--concurrency N]`: how fast the simulator serves
 * 1-minute day windows over HTTP, uncached (first request of each window), cached, and gzipped, as ratios against a
 * static-body server measured with the same client in the same run; plus in-process generation speed for backtests.
 * The server runs in a child process (`mqs sim`) so client and server do not share one event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { UsageError } from '../../etl/core/errors.ts';
import { simIntradayColumns } from '../../etl/sim/sim-intraday.ts';
import { simSessions } from '../../etl/sim/sim-sessions.ts';

interface Options {
  json: boolean;
  symbols: number;
  days: number;
  concurrency: number;
}

function parseArgs(args: string[]): Options {
  const options: Options = { json: false, symbols: 200, days: 5, concurrency: 8 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--symbols' || arg === '--days' || arg === '--concurrency') {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 1) throw new UsageError(`${arg} needs a positive whole number`);
      options[arg.slice(2) as 'symbols' | 'days' | 'concurrency'] = value;
    } else {
      throw new UsageError(
        `bench sim: unknown argument ${JSON.stringify(arg)} (use --json, --symbols N, --days N, --concurrency N)`,
      );
    }
  }
  return options;
}

interface Pass {
  /** Server CPU per response (user + system, from /proc), ms: the server's cost, robust to a busy machine. */
  serverCpuMsPerResponse?: number;
  responses: number;
  bytes: number;
  seconds: number;
  responsesPerSec: number;
  mbPerSec: number;
}

async function drive(
  origin: string,
  paths: string[],
  concurrency: number,
  headers: Record<string, string> = {},
): Promise<Pass> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < paths.length) {
      const p = paths[next++];
      const res = await pool.request({ method: 'GET', path: p, headers });
      const body = await res.body.arrayBuffer();
      if (res.statusCode !== 200)
        throw new Error(`bench sim: ${p.replace(/apikey=[^&]*/, 'apikey=…')} answered ${res.statusCode}`);
      bytes += body.byteLength;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return {
    responses: paths.length,
    bytes,
    seconds: round(seconds, 3),
    responsesPerSec: round(paths.length / seconds, 1),
    mbPerSec: round(bytes / 1e6 / seconds, 1),
  };
}

/** CPU time (user + system) a process has used, ms, from /proc (undefined where /proc is missing). */
function cpuMsOf(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // why: utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function measured(child: ChildProcess, pass: () => Promise<Pass>): Promise<Pass> {
  const before = cpuMsOf(child.pid);
  const result = await pass();
  const after = cpuMsOf(child.pid);
  if (before !== undefined && after !== undefined) {
    result.serverCpuMsPerResponse = round((after - before) / result.responses, 3);
  }
  return result;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

// why: the reference runs in its own process too, so it and the simulator compete with the client alike.
const STATIC_SERVER = `
const http = require('node:http');
const body = Buffer.alloc(Number(process.argv[1]), 0x20);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write('http://127.0.0.1:' + server.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

/** Spawns a process and resolves with the first line it prints (the server's origin). */
async function startChild(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0].trim());
    });
    child.once('exit', (code) => reject(new Error(`bench sim: a server exited early (code ${code})`)));
  });
  return { url, child };
}

export default async function run(args: string[]): Promise<void> {
  const options = parseArgs(args);
  const index = simSessions();
  // The last `days` sessions of 2024, each requested alone (from = to), for `symbols` symbols.
  const lastIndex = index.lastOnOrBefore('2024-12-31');
  const days = index.sessions.slice(lastIndex - options.days + 1, lastIndex + 1).map((s) => s.date);
  const symbols = Array.from({ length: options.symbols }, (_, i) => `B${i}`);
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { url, child } = await startChild([path.join(root, 'scripts', 'mqs.mjs'), 'sim', '--port', '0']);
  try {
    const paths = symbols.flatMap((symbol) =>
      days.map((d) => `/stable/historical-chart/1min?symbol=${symbol}&from=${d}&to=${d}&apikey=demo`),
    );
    const cold = await measured(child, () => drive(url, paths, options.concurrency));
    const warm = await measured(child, () => drive(url, paths, options.concurrency));
    const gzip = await measured(child, () =>
      drive(url, paths, options.concurrency, { 'accept-encoding': 'gzip' }),
    );
    const reference = await startChild([
      '-e',
      STATIC_SERVER,
      String(Math.round(warm.bytes / warm.responses)),
    ]);
    const staticPass = await measured(reference.child, () =>
      drive(reference.url, paths, options.concurrency),
    ).finally(() => reference.child.kill('SIGTERM'));
    // In-process generation, as a backtest would use it: 20 symbols × 1 year of 1-minute bars, uncached.
    const genStarted = performance.now();
    let rows = 0;
    for (let i = 0; i < 20; i++)
      rows += simIntradayColumns(`G${i}`, '1min', '2024-01-01', '2024-12-31', {
        nowMs: Date.UTC(2025, 0, 1),
      }).length;
    const genSeconds = (performance.now() - genStarted) / 1000;
    const result = {
      bench: 'sim',
      windows: paths.length,
      concurrency: options.concurrency,
      bytesPerWindow: Math.round(warm.bytes / warm.responses),
      cold,
      warm,
      gzip,
      static: staticPass,
      coldVsStatic: round(cold.responsesPerSec / staticPass.responsesPerSec, 3),
      warmVsStatic: round(warm.responsesPerSec / staticPass.responsesPerSec, 3),
      generation: { rows, seconds: round(genSeconds, 3), rowsPerSec: Math.round(rows / genSeconds) },
    };
    if (!options.json) {
      const line = (name: string, p: Pass) =>
        `${name.padEnd(8)} ${String(p.responsesPerSec).padStart(8)} responses/s ${String(p.mbPerSec).padStart(7)} MB/s  server CPU ${p.serverCpuMsPerResponse ?? '?'} ms/response  (${p.responses} in ${p.seconds} s)\n`;
      process.stdout.write(
        `1-minute day windows: ${paths.length} (${options.symbols} symbols × ${options.days} days), ${result.bytesPerWindow} B each, concurrency ${options.concurrency}\n`,
      );
      process.stdout.write(
        line('cold', cold) + line('warm', warm) + line('gzip', gzip) + line('static', staticPass),
      );
      process.stdout.write(`cold/static ${result.coldVsStatic}, warm/static ${result.warmVsStatic}\n`);
      process.stdout.write(
        `in-process generation: ${result.generation.rowsPerSec} rows/s (${rows} rows of 1-minute bars)\n`,
      );
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    child.kill('SIGTERM');
  }
}
