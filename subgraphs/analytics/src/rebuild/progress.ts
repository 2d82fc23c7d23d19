import { formatDuration, progressBar } from '@ates/service-kit';

/** How far a replay has come. */
export interface RebuildProgress {
  /** Events applied (or skipped as not analytics' business) so far. */
  done: number;
  /** Events to replay: what the streams held at the start, plus what arrived since. */
  total: number;
  elapsedMs: number;
  /** Events per second so far. */
  rate: number;
  /** Time left at the current rate; null until there is a rate. */
  etaMs: number | null;
}

export function progressOf(done: number, total: number, elapsedMs: number): RebuildProgress {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const left = Math.max(0, total - done);
  return { done, total, elapsedMs, rate, etaMs: rate > 0 ? (left / rate) * 1000 : left === 0 ? 0 : null };
}

const grouped = (n: number) => Math.round(n).toLocaleString('en-US');

export { formatDuration };

/** `[██████░░░░░░] 45% 12,345/27,000 events · 1,234/s · ETA 12s` */
export function renderProgress(p: RebuildProgress, width = 30): string {
  return (
    `${progressBar(p.done, p.total, width)} ${grouped(p.done)}/${grouped(p.total)} events · ` +
    `${grouped(p.rate)}/s · ETA ${formatDuration(p.etaMs)}`
  );
}
