// A hand-written SVG: client latency percentiles against concurrency, one panel per operation,
// the emulator in solid lines and the bare graphql-js baseline dashed, on a log scale.
import type { Operation, PhaseResult } from './latency.ts';

const H = 380;
const PANEL_W = 290;
const TOP = 56;
const BOTTOM = 300;
const LEFT = 60;
const GAP = 30;

const SERIES = [
  { target: 'emulator', key: 'p50', color: '#1f77b4', dash: '', label: 'emulator p50' },
  { target: 'emulator', key: 'p95', color: '#ff7f0e', dash: '', label: 'emulator p95' },
  { target: 'emulator', key: 'p99', color: '#d62728', dash: '', label: 'emulator p99' },
  { target: 'baseline', key: 'p50', color: '#1f77b4', dash: '5 4', label: 'baseline p50' },
  { target: 'baseline', key: 'p99', color: '#d62728', dash: '5 4', label: 'baseline p99' },
] as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function latencyChart(phases: PhaseResult[], operations: readonly Operation[], concurrencies: readonly number[], title: string): string {
  const W = LEFT + operations.length * PANEL_W + (operations.length - 1) * GAP + 20;
  const values = phases.flatMap((p) => [p.clientMs.p50, p.clientMs.p95, p.clientMs.p99]).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.floor(Math.log10(Math.max(0.01, Math.min(...values, 1))));
  const hi = Math.ceil(Math.log10(Math.max(...values, 10)));
  const y = (ms: number) => BOTTOM - ((Math.log10(Math.max(ms, 10 ** lo)) - lo) / (hi - lo)) * (BOTTOM - TOP);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`);
  operations.forEach((op, i) => {
    const x0 = LEFT + i * (PANEL_W + GAP);
    const x = (j: number) => x0 + 20 + (j * (PANEL_W - 40)) / Math.max(1, concurrencies.length - 1);
    parts.push(`<text x="${x0 + PANEL_W / 2}" y="${TOP - 12}" text-anchor="middle" font-weight="600">${esc(op)}</text>`);
    parts.push(`<rect x="${x0}" y="${TOP}" width="${PANEL_W}" height="${BOTTOM - TOP}" fill="none" stroke="#999"/>`);
    for (let e = lo; e <= hi; e++) {
      const yy = y(10 ** e);
      parts.push(`<line x1="${x0}" x2="${x0 + PANEL_W}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
      if (i === 0) parts.push(`<text x="${x0 - 6}" y="${yy + 4}" text-anchor="end">${10 ** e >= 1 ? String(10 ** e) : (10 ** e).toFixed(-e)}</text>`);
    }
    concurrencies.forEach((c, j) => parts.push(`<text x="${x(j)}" y="${BOTTOM + 16}" text-anchor="middle">${c}</text>`));
    parts.push(`<text x="${x0 + PANEL_W / 2}" y="${BOTTOM + 34}" text-anchor="middle" fill="#555">concurrency</text>`);
    for (const s of SERIES) {
      const points = concurrencies
        .map((c, j) => {
          const p = phases.find((r) => r.target === s.target && r.operation === op && r.concurrency === c);
          const v = p?.clientMs[s.key];
          return v !== undefined && Number.isFinite(v) ? `${x(j).toFixed(1)},${y(v).toFixed(1)}` : null;
        })
        .filter((pt): pt is string => pt !== null);
      if (points.length === 0) continue;
      parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
      for (const pt of points) {
        const [px, py] = pt.split(',');
        parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${s.color}"/>`);
      }
    }
  });
  parts.push(`<text transform="translate(16 ${(TOP + BOTTOM) / 2}) rotate(-90)" text-anchor="middle" fill="#555">client latency, ms (log scale)</text>`);
  SERIES.forEach((s, k) => {
    const lx = LEFT + k * 180;
    const ly = H - 18;
    parts.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    parts.push(`<text x="${lx + 34}" y="${ly}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
