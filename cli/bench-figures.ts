// How the benchmarks report their figures: percentiles of sorted samples, two decimals.

/** The value at fraction `p` of ascending `sorted` samples; 0 for none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}
