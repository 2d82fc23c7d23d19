import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DOMAINS, streamName } from '@ates/events';
import { natsServers } from '@ates/service-kit';
import type { ChaosCluster, DatabaseName } from './cluster.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ConsumerState {
  stream: string;
  consumer: string;
  pending: number;
  ackPending: number;
  redelivered: number;
  deliveredStreamSeq: number;
}

export interface PipelineState {
  /** Outbox rows not yet acknowledged by JetStream, per database that has an outbox. */
  outbox: Partial<Record<DatabaseName, number>>;
  consumers: ConsumerState[];
  /** Payouts not PAID yet. */
  unpaidPayouts: number;
  /** PAID payouts whose email the email worker has not recorded as sent. */
  unsentEmails: number;
  /** What the services' own `/metrics` say (when they serve it): outbox backlog and consumer lag. */
  metrics: { scraped: number; outboxBacklog: number; consumerLag: number; deadLetters: number };
}

export const isQuiet = (s: PipelineState) =>
  Object.values(s.outbox).every((n) => n === 0) &&
  s.consumers.every((c) => c.pending === 0 && c.ackPending === 0) &&
  s.unpaidPayouts === 0 &&
  s.unsentEmails === 0 &&
  s.metrics.outboxBacklog === 0 &&
  s.metrics.consumerLag === 0;

async function tableExists(cluster: ChaosCluster, db: DatabaseName, table: string): Promise<boolean> {
  const [row] = await cluster.sql(db)<{ ok: boolean }[]>`select to_regclass(${table}) is not null as ok`;
  return row?.ok ?? false;
}

export class Pipeline {
  private constructor(
    private readonly cluster: ChaosCluster,
    private readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
  ) {}

  static async connect(cluster: ChaosCluster): Promise<Pipeline> {
    const nc = await connect({ servers: natsServers(cluster.nats.url), name: 'chaos-checks' });
    return new Pipeline(cluster, nc, await jetstreamManager(nc));
  }

  async close(): Promise<void> {
    await this.nc.close();
  }

  streams(): Array<{ domain: string; name: string }> {
    return DOMAINS.map((domain) => ({ domain, name: streamName(this.cluster.namespace, domain) }));
  }

  async consumers(): Promise<ConsumerState[]> {
    const out: ConsumerState[] = [];
    for (const { name } of this.streams()) {
      for await (const info of this.jsm.consumers.list(name)) {
        out.push({
          stream: name,
          consumer: info.name,
          pending: info.num_pending,
          ackPending: info.num_ack_pending,
          redelivered: info.num_redelivered,
          deliveredStreamSeq: info.delivered.stream_seq,
        });
      }
    }
    return out;
  }

  async state(): Promise<PipelineState> {
    const cluster = this.cluster;
    const outbox: PipelineState['outbox'] = {};
    for (const db of ['users', 'tasks', 'accounting', 'analytics', 'email', 'bank'] as DatabaseName[]) {
      if (!(await tableExists(cluster, db, 'outbox'))) continue;
      const [row] = await cluster.sql(db)<{ n: number }[]>`
        select count(*)::int as n from outbox where published_at is null`;
      outbox[db] = row?.n ?? 0;
    }
    const consumers = await this.consumers();
    const [payouts] = await cluster.sql('accounting')<{ unpaid: number; paid: number }[]>`
      select count(*) filter (where status <> 'PAID')::int as unpaid,
             count(*) filter (where status = 'PAID')::int as paid
      from payouts`;
    let sent = 0;
    if (await tableExists(cluster, 'email', 'sent_emails')) {
      const [row] = await cluster.sql('email')<{ n: number }[]>`select count(*)::int as n from sent_emails`;
      sent = row?.n ?? 0;
    }
    return {
      outbox,
      consumers,
      unpaidPayouts: payouts?.unpaid ?? 0,
      unsentEmails: Math.max(0, (payouts?.paid ?? 0) - sent),
      metrics: await this.scrapeMetrics(),
    };
  }

  /** Sums the pipeline gauges over every process's `/metrics` (0 from those without them). */
  private async scrapeMetrics(): Promise<PipelineState['metrics']> {
    const totals = { scraped: 0, outboxBacklog: 0, consumerLag: 0, deadLetters: 0 };
    for (const p of this.cluster.processes) {
      if (!p.spec.metricsUrl || !p.running) continue;
      let text: string;
      try {
        const response = await fetch(p.spec.metricsUrl, { signal: AbortSignal.timeout(5_000) });
        if (response.status !== 200) continue;
        text = await response.text();
      } catch {
        continue;
      }
      totals.scraped += 1;
      for (const line of text.split('\n')) {
        const match =
          /^(ates_outbox_backlog|ates_consumer_lag_messages|ates_dead_letters)(\{[^}]*\})?\s+(\S+)/.exec(
            line,
          );
        if (!match) continue;
        const value = Number(match[3]);
        if (match[1] === 'ates_outbox_backlog') totals.outboxBacklog += value;
        else if (match[1] === 'ates_consumer_lag_messages') totals.consumerLag += value;
        else if ((match[2] ?? '').includes('status="dead"')) totals.deadLetters += value;
      }
    }
    return totals;
  }

  /**
   * Waits until the system is quiet: every outbox drained, every durable consumer with nothing
   * pending or unacknowledged (JetStream's own numbers, and the services' `/metrics`), every
   * payout PAID and its email sent. Quiet twice in a row, a second apart, counts.
   */
  async waitQuiet(
    timeoutMs: number,
    log: (line: string) => void,
  ): Promise<{ ms: number; state: PipelineState }> {
    const t0 = Date.now();
    let quietRounds = 0;
    let lastReport = 0;
    for (;;) {
      let state: PipelineState | undefined;
      try {
        state = await this.state();
      } catch (error) {
        log(`catch-up: could not read the state yet (${String(error)})`);
      }
      if (state && isQuiet(state)) {
        quietRounds += 1;
        if (quietRounds >= 2) return { ms: Date.now() - t0, state };
      } else quietRounds = 0;
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(`the system did not catch up within ${timeoutMs / 1000} s: ${JSON.stringify(state)}`);
      }
      if (state && Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        const pending = state.consumers
          .filter((c) => c.pending + c.ackPending > 0)
          .map((c) => `${c.consumer} ${c.pending}+${c.ackPending}`)
          .join(', ');
        const outbox = Object.values(state.outbox).reduce((n, v) => n + (v ?? 0), 0);
        log(
          `catch-up: outbox ${outbox}, consumers pending+unacked [${pending}], unpaid payouts ${state.unpaidPayouts}, unsent emails ${state.unsentEmails}, metrics lag ${state.metrics.consumerLag}/backlog ${state.metrics.outboxBacklog}`,
        );
      }
      await sleep(1_000);
    }
  }
}
