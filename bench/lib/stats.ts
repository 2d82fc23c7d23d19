/** Small statistics over repeated measurements; every bench reports medians with min–max. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of the values. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('percentile of no values');
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(xs: readonly number[], digits = 2): Summary {
  const round = (x: number) => Number(x.toFixed(digits));
  return {
    median: round(median(xs)),
    min: round(Math.min(...xs)),
    max: round(Math.max(...xs)),
    runs: xs.length,
  };
}

/** a / b rounded, for "figure vs baseline measured in the same run". */
export function ratio(a: number, b: number, digits = 2): number {
  return Number((a / b).toFixed(digits));
}

/** Runs `fn` `runs` times (after `warmup` unmeasured runs) and returns each result. */
export async function repeat<T>(runs: number, fn: (run: number) => Promise<T>, warmup = 0): Promise<T[]> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

export const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);
