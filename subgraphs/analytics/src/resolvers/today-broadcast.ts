import type { LiveFeed } from '@ates/events';
import {
  createPushIterator,
  isUuid,
  requireRole,
  type PushIterator,
  type Viewer,
  epochMs,
} from '@ates/service-kit';
import { appliedEventIds } from '../db/read-model-repository.ts';
import { ANALYSTS } from '../domain/permissions.ts';
import type { AnalyticsDay } from '../domain/figures.ts';
import { CONSUMERS } from '../events/projections.ts';
import { analyticsToday } from '../use-cases/read-analytics.ts';
import type { AnalyticsDeps } from '../use-cases/deps.ts';

export interface AnalyticsTodayPayload {
  analyticsToday: AnalyticsDay;
}

export interface BroadcastOptions {
  /** How often to look whether the read model has applied the events seen. */
  pollMs?: number;
  /** After this long, today's figures are sent as they are (the projection is lagging). */
  maxWaitMs?: number;
}

/** Events whose application is awaited at most; older ones are covered by the newer ones' state. */
const MAX_AWAITED = 500;

/**
 * `analyticsToday` for every subscriber of this process. Each `transaction.applied` on the live
 * feed (every replica sees every event) means today's figures change once the projection has
 * applied it, which may happen in any replica: the event's inbox row, committed with its effect,
 * says so. Then today's figures are read once and sent to every subscriber. Bursts coalesce:
 * events that arrive while a round runs make one more round.
 */
export class TodayBroadcast {
  private readonly subscribers = new Set<PushIterator<AnalyticsTodayPayload>>();
  private unlisten: (() => void) | null = null;
  private pending: string[] = [];
  private running = false;

  constructor(
    private readonly feed: LiveFeed,
    private readonly deps: AnalyticsDeps,
    private readonly options: BroadcastOptions = {},
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  subscribe(viewer: Viewer | null): AsyncIterableIterator<AnalyticsTodayPayload> {
    requireRole(viewer, ANALYSTS);
    const iterator = createPushIterator<AnalyticsTodayPayload>(() => this.leave(iterator));
    this.subscribers.add(iterator);
    this.unlisten ??= this.feed.listen(['transaction.applied'], (event) => this.seen(event.id));
    return iterator;
  }

  close(): void {
    for (const subscriber of [...this.subscribers]) subscriber.end();
    this.unlisten?.();
    this.unlisten = null;
  }

  private leave(iterator: PushIterator<AnalyticsTodayPayload>): void {
    this.subscribers.delete(iterator);
    if (this.subscribers.size > 0) return;
    this.unlisten?.();
    this.unlisten = null;
    this.pending = [];
  }

  private seen(eventId: string): void {
    if (!isUuid(eventId)) return;
    this.pending.push(eventId);
    if (this.pending.length > MAX_AWAITED) this.pending.splice(0, this.pending.length - MAX_AWAITED);
    if (!this.running) void this.rounds();
  }

  private async rounds(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0 && this.subscribers.size > 0) {
        await this.applied(this.pending.splice(0));
        const today = await analyticsToday(this.deps);
        for (const subscriber of this.subscribers) subscriber.push({ analyticsToday: today });
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, 'analyticsToday: could not read today’s figures');
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const subscriber of [...this.subscribers]) subscriber.fail(failure);
    } finally {
      this.running = false;
    }
  }

  /** Waits until the read model (the replica queries use) has applied every one of `eventIds`. */
  private async applied(eventIds: string[]): Promise<void> {
    const deadline = epochMs() + (this.options.maxWaitMs ?? 10_000);
    let left = eventIds;
    for (;;) {
      const done = await appliedEventIds(this.deps.readDb, CONSUMERS.accounting, left);
      left = left.filter((id) => !done.has(id));
      if (left.length === 0) return;
      if (epochMs() > deadline) {
        this.deps.logger.warn(
          { waitingFor: left.length },
          'analyticsToday: projection lagging; sending figures as they are',
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 20));
    }
  }
}
