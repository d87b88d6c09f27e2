import type { BacktestResult } from './backtest-engine.ts';
import type { BacktestMetrics } from './backtest-metrics.ts';

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`;
const num = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined ? '–' : x.toFixed(digits);

function metricRows(m: BacktestMetrics): [string, string, string][] {
  const b = m.benchmark;
  return [
    ['Total return', pct(m.totalReturn), pct(b?.totalReturn)],
    ['CAGR', pct(m.cagr), pct(b?.cagr)],
    ['Annualised volatility', pct(m.annualVolatility), pct(b?.annualVolatility)],
    ['Sharpe', num(m.sharpe), num(b?.sharpe)],
    ['Sortino', num(m.sortino), num(b?.sortino)],
    ['Max drawdown', pct(m.maxDrawdown), pct(b?.maxDrawdown)],
    [
      'Max drawdown duration (sessions)',
      String(m.maxDrawdownDurationSessions),
      b ? String(b.maxDrawdownDurationSessions) : '–',
    ],
    ['Turnover', num(m.turnover), '–'],
    ['Exposure', pct(m.exposure), '–'],
    ['Win rate', pct(m.winRate), '–'],
    ['Trades (fills)', String(m.trades), '–'],
    ['Commission paid (USD)', num(m.commissionPaid), '–'],
    ['Refused orders', String(m.refusedOrders), '–'],
    ['Final equity (USD)', num(m.finalEquity), '–'],
  ];
}

// why: the charts are drawn at view time by this inline script from the embedded data, so the file needs no
// network and no library; the script marks <body data-charts-drawn> when it is done (the Chromium test checks it).
const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  function el(name, attrs) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }
  function chart(id, series, opts) {
    var svg = document.getElementById(id), W = 900, H = 260, L = 70, R = 10, T = 10, B = 30;
    var lo = Infinity, hi = -Infinity, n = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v < lo) lo = v; if (v > hi) hi = v; }); n = Math.max(n, s.values.length); });
    if (opts.zero) hi = Math.max(hi, 0);
    if (!(hi > lo)) { hi = lo + 1; }
    var x = function (i) { return L + (n > 1 ? (i * (W - L - R)) / (n - 1) : 0); };
    var y = function (v) { return T + ((hi - v) * (H - T - B)) / (hi - lo); };
    svg.appendChild(el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#888' }));
    svg.appendChild(el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#888' }));
    [lo, (lo + hi) / 2, hi].forEach(function (v) {
      var t = el('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 });
      t.textContent = opts.format(v); svg.appendChild(t);
    });
    var dates = data.curve.dates;
    [0, n - 1].forEach(function (i) {
      var t = el('text', { x: x(i), y: H - 10, 'text-anchor': i === 0 ? 'start' : 'end', 'font-size': 11 });
      t.textContent = dates[i] || ''; svg.appendChild(t);
    });
    series.forEach(function (s) {
      var d = s.values.map(function (v, i) { return (i === 0 ? 'M' : 'L') + x(i).toFixed(1) + ',' + y(v).toFixed(1); }).join('');
      if (opts.zero) d += 'L' + x(s.values.length - 1).toFixed(1) + ',' + y(0).toFixed(1) + 'L' + x(0).toFixed(1) + ',' + y(0).toFixed(1) + 'Z';
      svg.appendChild(el('path', { d: d, class: 'series ' + s.name, fill: opts.zero ? s.color : 'none', 'fill-opacity': opts.zero ? 0.3 : 1, stroke: s.color, 'stroke-width': 1.5, 'data-points': s.values.length }));
    });
  }
  var equity = [{ name: 'equity', color: '#1f77b4', values: data.curve.equity }];
  if (data.curve.benchmark) equity.push({ name: 'benchmark', color: '#ff7f0e', values: data.curve.benchmark });
  chart('equity-chart', equity, { format: function (v) { return v.toFixed(0); } });
  function drawdowns(values) { var peak = -Infinity; return values.map(function (v) { peak = Math.max(peak, v); return v / peak - 1; }); }
  var dd = [{ name: 'drawdown', color: '#d62728', values: drawdowns(data.curve.equity) }];
  chart('drawdown-chart', dd, { zero: true, format: function (v) { return (v * 100).toFixed(1) + '%'; } });
  document.body.setAttribute('data-charts-drawn', 'true');
})();
`;

/** Most trades listed in the report (the JSON result keeps all). */
export const REPORT_TRADE_LIMIT = 2000;

/**
 * Renders a self-contained HTML report: metrics against the benchmark, the equity curve against buy-and-hold of
 * the benchmark, drawdowns, the trade list and refused orders. No network at view time; deterministic.
 */
export function renderBacktestReport(result: BacktestResult, range: { from: string; to: string }): string {
  const m = result.metrics;
  const title = `Backtest ${result.portfolioId} ${range.from} → ${range.to}`;
  const data = JSON.stringify({ curve: result.curve }).replaceAll('<', '\\u003c');
  const metrics = metricRows(m)
    .map(([k, v, b]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td><td>${b}</td></tr>`)
    .join('\n');
  const trades = result.trades
    .slice(0, REPORT_TRADE_LIMIT)
    .map(
      (t) =>
        `<tr><td>${t.orderId}</td><td>${escapeHtml(t.symbol)}</td><td>${t.submittedAt}</td><td>${t.filledAt}</td><td class="n">${t.quantity}</td><td class="n">${t.price.toFixed(4)}</td><td class="n">${t.commission.toFixed(2)}</td><td class="n">${t.realizedPnl.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  const more =
    result.trades.length > REPORT_TRADE_LIMIT
      ? `<p>${result.trades.length - REPORT_TRADE_LIMIT} more trades in the JSON result.</p>`
      : '';
  const refused = result.refused
    .slice(0, 200)
    .map((r) => `<tr><td>${r.at}</td><td>${escapeHtml(r.symbol)}</td><td>${escapeHtml(r.reason)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; font-size: 13px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
svg { border: 1px solid #eee; background: #fff; }
.legend span { margin-right: 1.5em; }
</style>
</head>
<body>
<h1>${escapeHtml(result.name)}</h1>
<p>Portfolio <b>${escapeHtml(result.portfolioId)}</b>, strategy <b>${escapeHtml(result.strategy)}</b>, ${escapeHtml(result.interval)} bars of ${result.universe.map(escapeHtml).join(', ')}; sessions ${escapeHtml(range.from)} to ${escapeHtml(range.to)} (New York); ${result.bars} bars replayed in bar-close order.</p>
<h2>Metrics</h2>
<table id="metrics"><tr><th></th><th>portfolio</th><th>${escapeHtml(m.benchmark?.symbol ?? 'benchmark')} buy-and-hold</th></tr>
${metrics}
</table>
<h2>Equity against the benchmark (USD, session closes)</h2>
<p class="legend"><span style="color:#1f77b4">■ portfolio</span><span style="color:#ff7f0e">■ ${escapeHtml(m.benchmark?.symbol ?? 'no benchmark data')}</span></p>
<svg id="equity-chart" width="900" height="260" viewBox="0 0 900 260" role="img" aria-label="equity curve"></svg>
<h2>Drawdown</h2>
<svg id="drawdown-chart" width="900" height="260" viewBox="0 0 900 260" role="img" aria-label="drawdowns"></svg>
<h2>Trades (${result.trades.length})</h2>
<table id="trades"><tr><th>order</th><th>symbol</th><th>submitted (UTC)</th><th>filled (UTC)</th><th>quantity</th><th>price</th><th>commission</th><th>realised P&amp;L</th></tr>
${trades}
</table>
${more}
<h2>Refused orders (${result.refused.length})</h2>
<table id="refused"><tr><th>at (UTC)</th><th>symbol</th><th>reason</th></tr>
${refused}
</table>
<script id="report-data" type="application/json">${data}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}
