import { randomUUID } from 'node:crypto';
import type { BackoffPolicy, PaymentProvider } from '@ates/payments';
import { activeTraceId, contextFrom, inSpan, withTrace } from '@ates/service-kit';
import { firstActivityDay, latestClosedDay } from '../db/billing-day-repository.ts';
import type { PayoutRow } from '../db/schema.ts';
import { LockBusyError } from '../db/session-lock.ts';
import { daysToClose, type BillingDayFigures } from '../domain/billing-day.ts';
import { calendarDay, nextDayStart } from '../domain/business-day.ts';
import { closeBillingDay, type CloseHooks } from '../use-cases/close-billing-day.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import { PAY_LOCK, payWhileClosing, type PayHooks, type PayReport } from '../use-cases/pay-payouts.ts';

export interface PayoutWorkerOptions {
  deps: AccountingDeps;
  provider: PaymentProvider;
  /** Retries of failed payouts. */
  retry: BackoffPolicy;
  /** The longest sleep between two runs (a missed notification or a clock jump is noticed then). */
  maxIdleMs: number;
  hooks?: CloseHooks & PayHooks;
}

export interface RunReport {
  /** Days closed by this run, oldest first. */
  closed: BillingDayFigures[];
  /** Another process held the close or pay lock: it does that work. */
  busy: boolean;
  pay: PayReport | null;
  /** When the worker wants to run again (the next midnight or the next payout retry). */
  nextRunAt: Date;
}

/**
 * The payout worker's loop: each run closes every past business day still open (at the end of
 * a day that is the day that ended; after downtime, each missed day in order), paying each page
 * of accounts of a close as soon as that page has committed, then pays whatever else is due
 * (retries, payouts of a close made elsewhere). It sleeps until the next day starts in the
 * company time zone or the next retry is due, and wakes early when poked (a close by an admin,
 * NOTIFY `ates_payouts`).
 */
export class PayoutWorker {
  private chain: Promise<unknown> = Promise.resolve();
  private wake: (() => void) | null = null;
  /** A poke that arrived while a run was in flight: the loop runs again instead of sleeping. */
  private poked = false;
  /** The trace headers of the last poke, for the run it causes. */
  private trigger: Record<string, string> = {};
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private readonly stopping = new AbortController();

  constructor(private readonly options: PayoutWorkerOptions) {}

  /**
   * One run now, after the run in flight (tests drive the clock and call this). Each run is a
   * correlation of its own: its log lines and the events it produces carry the same id, which
   * is its trace's id when tracing is on. A run woken by a traced close continues its trace
   * (admin's close → payouts at the bank → payout.made → the email worker).
   */
  runOnce(trigger: Record<string, string> = {}): Promise<RunReport> {
    const run = this.chain.then(() =>
      inSpan('payout-worker run', { parent: contextFrom(trigger) }, () =>
        withTrace({ correlationId: activeTraceId() ?? randomUUID() }, () => this.run()),
      ),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  start(): void {
    this.loop ??= this.runLoop();
  }

  /**
   * Run soon: something changed (a close elsewhere left PENDING payouts). `trigger`: the trace
   * headers of what poked, continued by the next run.
   */
  poke(trigger: Record<string, string> = {}): void {
    this.poked = true;
    this.trigger = trigger;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.poke();
    await this.loop;
    await this.chain;
  }

  private async runLoop(): Promise<void> {
    const { deps, maxIdleMs } = this.options;
    while (!this.stopping.signal.aborted) {
      let nextRunAt = new Date(deps.clock.now().getTime() + Math.min(maxIdleMs, 5000));
      this.poked = false;
      const trigger = this.trigger;
      this.trigger = {};
      try {
        nextRunAt = (await this.runOnce(trigger)).nextRunAt;
      } catch (error) {
        deps.logger.error({ err: error }, 'payout worker run failed; retrying');
      }
      if (this.stopping.signal.aborted) break;
      const delay = Math.min(maxIdleMs, Math.max(0, nextRunAt.getTime() - deps.clock.now().getTime()));
      if (this.poked) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, delay);
      });
      if (this.timer) clearTimeout(this.timer);
      this.wake = null;
    }
  }

  private async run(): Promise<RunReport> {
    const { deps, hooks } = this.options;
    const report: RunReport = { closed: [], busy: false, pay: null, nextRunAt: new Date(0) };
    const today = calendarDay(deps.clock.now(), deps.timeZone);
    const days = daysToClose(today, await latestClosedDay(deps.db), await firstActivityDay(deps.db));
    const closeDays = async (onPayoutsCommitted?: (payouts: PayoutRow[]) => void) => {
      for (const day of days) {
        if (this.stopping.signal.aborted) break;
        report.closed.push(await closeBillingDay(deps, day, { waitMs: 0, hooks, onPayoutsCommitted }));
      }
    };
    try {
      // Each page of a close is paid as soon as it has committed, while the next one closes.
      report.pay = await payWhileClosing(deps, { ...this.options, signal: this.stopping.signal }, closeDays);
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
      report.busy = true;
      // Another process pays (it is woken by the close's NOTIFY): close without paying.
      if (error.key === PAY_LOCK) await closeDays().catch(ignoreBusy);
    }
    const now = deps.clock.now();
    const candidates = [nextDayStart(now, deps.timeZone).getTime(), now.getTime() + this.options.maxIdleMs];
    if (report.pay?.nextAttemptAt) candidates.push(report.pay.nextAttemptAt.getTime());
    report.nextRunAt = new Date(Math.min(...candidates));
    return report;
  }
}

/** A close running elsewhere does that work. */
function ignoreBusy(error: unknown): void {
  if (!(error instanceof LockBusyError)) throw error;
}
