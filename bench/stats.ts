// Percentiles and small number helpers shared by the benchmark modules.

export interface Stats {
  n: number;
  mean: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Nearest-rank percentiles. */
export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  return {
    n: sorted.length,
    mean: round(sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1)),
    min: round(sorted[0] ?? NaN),
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

export function median(values: readonly number[]): number {
  return stats(values).p50;
}
