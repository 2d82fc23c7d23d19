/**
 * The demo's progress bar on stderr: `[████░░░░] 45% 123/270 · creating tasks · 21/s · ETA 7s`.
 * On a terminal it redraws one line; otherwise (CI, a pipe) it prints a line every few seconds
 * and at each new phase, so logs stay readable.
 */

import { formatDuration, progressBar } from '@ates/service-kit';

export interface ProgressState {
  done: number;
  total: number;
  elapsedMs: number;
  phase: string;
}

export function renderProgress(p: ProgressState, width = 24): string {
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const left = Math.max(0, p.total - p.done);
  const eta = left === 0 ? 0 : rate > 0 ? (left / rate) * 1000 : null;
  const rateText = rate >= 10 ? Math.round(rate).toString() : rate.toFixed(1);
  return (
    `${progressBar(p.done, p.total, width)} ${p.done}/${p.total} · ${p.phase} · ` +
    `${rateText}/s · ETA ${formatDuration(eta)}`
  );
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export class ProgressBar {
  private done = 0;
  private phase = 'starting';
  private readonly started = performance.now();
  private lastPrint = 0;
  private drawn = false;
  /** Nothing is drawn until the total is known (a 0/0 bar would read as "done"). */
  private planned: boolean;

  constructor(
    private total = 0,
    private readonly out: ProgressStream = process.stderr,
    private readonly intervalMs = 3000,
  ) {
    this.planned = total > 0;
  }

  setTotal(total: number): void {
    this.total = total;
    this.planned = true;
    this.draw(true);
  }

  /** Moves to a new phase (always printed when not on a terminal). */
  setPhase(phase: string): void {
    this.phase = phase;
    this.draw(true);
  }

  tick(n = 1): void {
    this.done += n;
    this.draw(false);
  }

  /** Planned work that turned out not to be needed (e.g. fewer tasks to complete). */
  shrink(n: number): void {
    this.total = Math.max(this.done, this.total - n);
    this.draw(false);
  }

  /** Prints a line above the bar without breaking it. */
  log(line: string): void {
    if (this.out.isTTY && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(`${line}\n`);
    if (this.out.isTTY) this.draw(true);
  }

  /** Leaves the bar where it is (a failure): the next output starts on a new line. */
  abort(): void {
    if (this.out.isTTY && this.drawn) this.out.write('\n');
    this.planned = false;
  }

  finish(): void {
    this.done = Math.max(this.done, this.total);
    this.total = this.done;
    this.phase = 'done';
    this.planned = true;
    this.draw(true);
    if (this.out.isTTY) this.out.write('\n');
  }

  private draw(force: boolean): void {
    if (!this.planned) return;
    const now = performance.now();
    const line = renderProgress({
      done: this.done,
      total: this.total,
      elapsedMs: now - this.started,
      phase: this.phase,
    });
    if (this.out.isTTY) {
      if (!force && now - this.lastPrint < 50) return;
      this.lastPrint = now;
      const max = (this.out.columns ?? 120) - 1;
      this.out.write(`\r\x1b[2K${line.length > max ? line.slice(0, max) : line}`);
      this.drawn = true;
    } else if (force || now - this.lastPrint >= this.intervalMs) {
      this.out.write(`${line}\n`);
      this.lastPrint = now;
    }
  }
}
