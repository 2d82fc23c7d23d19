import path from 'node:path';
import { connectNats } from '@ates/events';
import { repoRoot } from '@ates/service-kit';
import { ops } from '@ates/testing';
import postgres from 'postgres';
import { takeBackup } from '../../scripts/lib/backup/backup.ts';
import { RestoreRefused, restoreBackup } from '../../scripts/lib/backup/restore.ts';
import type { ChaosCluster, DatabaseName } from './cluster.ts';
import { answersQueries, holdConnection, terminateChaosSessions } from './db/server.ts';
import { processOwningLocalPort } from './owner.ts';
import type { ServiceProcess } from './processes.ts';
import type { FaultName } from './settings.ts';
import {
  groupLeaders,
  leaderWatch,
  STALL_BOUND_MS,
  streamPlacement,
  waitForLeaders,
  waitForReplicas,
  type StallWindow,
} from './stall.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one fault did, for the report. */
export interface FaultRecord {
  name: FaultName;
  /** Operations the driver had started when the fault began. */
  atOperation: number;
  detail: string;
  ms: number;
  /** A fault that may stall the event pipeline: the window its latency is measured in. */
  stall?: StallWindow;
  /** Operations that failed while a NATS node was down (the services must keep serving). */
  failedWhileDown?: number;
}

/** What the billing-day close went through, for the checks and the report. */
export interface CloseRecord {
  day: string;
  /** Accounting was killed after some accounts were closed and before the day was finished. */
  killedMidSweep: boolean;
  /** A payout worker was killed while it was paying (some payouts PAID, some not). */
  killedMidPay: boolean;
  payoutsAtKill: { paid: number; total: number };
  figures?: { accountsPaid: number; totalPaid: string; accountsInRed: number };
}

const utcToday = () => new Date().toISOString().slice(0, 10);

/**
 * Runs the faults in order while the load driver works: fault k starts once the driver has
 * started `thresholds[k]` operations, and operations from `thresholds[k + 1]` on wait until
 * fault k is over (the killed process is back), so every fault happens under load and the
 * load never runs out before the faults do.
 */
export class FaultSchedule {
  readonly records: FaultRecord[] = [];
  close: CloseRecord | undefined;
  /** Databases a fault put back to a backup (see checkEvents). */
  readonly restored: DatabaseName[] = [];
  /** The backup a `backup` fault took (folder, and the operation it was taken at). */
  backup: { folder: string; atOperation: number } | undefined;
  private readonly thresholds: number[];
  private readonly done: Array<{ promise: Promise<void>; resolve: () => void }>;
  private readonly rotation = new Map<string, number>();

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly faults: FaultName[],
    operations: number,
    private readonly adminToken: () => string,
    private readonly log: (line: string) => void,
    /** Operations failed so far (the load driver's count). */
    private readonly failedOps: () => number = () => 0,
  ) {
    this.thresholds = faults.map((_, k) => Math.round(((k + 1) * operations) / (faults.length + 1)));
    this.done = faults.map(() => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
  }

  /** Awaited by the driver before operation `i`. */
  async gate(i: number): Promise<void> {
    for (let k = 0; k < this.faults.length; k++) {
      const next = this.thresholds[k + 1] ?? Number.POSITIVE_INFINITY;
      if (i >= next) await this.done[k]!.promise;
    }
  }

  /** Runs every fault; `started()` is how many operations the driver has started. */
  async run(started: () => number): Promise<void> {
    try {
      for (let k = 0; k < this.faults.length; k++) await this.runOne(k, started);
    } finally {
      // A failed fault must not leave the load waiting at a gate for ever.
      for (const d of this.done) d.resolve();
    }
  }

  private async runOne(k: number, started: () => number): Promise<void> {
    const name = this.faults[k]!;
    while (started() < this.thresholds[k]!) await sleep(50);
    const t0 = Date.now();
    const atOperation = started();
    const crashesBefore = this.cluster.unexpectedExits().length;
    this.log(`fault ${k + 1}/${this.faults.length} at operation ${atOperation}: ${name}`);
    let detail: string;
    const record: FaultRecord = { name, atOperation, detail: '', ms: 0 };
    try {
      detail = await this.inject(name, this.cluster.settings.downtimeMs, record);
    } finally {
      this.done[k]!.resolve();
    }
    const crashed = this.cluster.unexpectedExits().length - crashesBefore;
    if (crashed > 0) detail += `; ${crashed} process crash(es) meanwhile, restarted by the restart policy`;
    const ms = Date.now() - t0;
    Object.assign(record, { detail, ms });
    this.records.push(record);
    this.log(`  ${detail} (${(ms / 1000).toFixed(1)} s)`);
  }

  /** The next instance of a service, in turn. */
  private nextOf(service: string): ServiceProcess {
    const instances = this.cluster.instances(service);
    const n = this.rotation.get(service) ?? 0;
    this.rotation.set(service, n + 1);
    return instances[n % instances.length]!;
  }

  private async killAndRestart(targets: ServiceProcess[], downtimeMs: number): Promise<string> {
    await Promise.all(targets.map((p) => p.kill9()));
    await sleep(downtimeMs);
    await Promise.all(targets.map((p) => p.ensureStarted()));
    return `kill -9 ${targets.map((p) => p.name).join(' + ')}, down ${downtimeMs / 1000} s, restarted`;
  }

  private async inject(name: FaultName, downtimeMs: number, record: FaultRecord): Promise<string> {
    switch (name) {
      case 'kill-accounting':
        return this.killAndRestart([this.nextOf('accounting')], downtimeMs);
      case 'kill-analytics':
        return this.killAndRestart([this.nextOf('analytics')], downtimeMs);
      case 'kill-tasks':
        return this.killAndRestart([this.nextOf('tasks')], downtimeMs);
      case 'kill-gateway':
        return this.killAndRestart([this.nextOf('gateway')], downtimeMs);
      case 'kill-email':
        return this.killAndRestart([this.nextOf('email')], downtimeMs);
      case 'kill-accounting-all':
        return this.killAndRestart(this.cluster.instances('accounting'), downtimeMs);
      case 'kill-analytics-all':
        return this.killAndRestart(this.cluster.instances('analytics'), downtimeMs);
      case 'kill-tasks-all':
        return this.killAndRestart(this.cluster.instances('tasks'), downtimeMs);
      case 'restart-nats':
        await this.cluster.nats.restart(downtimeMs);
        this.cluster.serverRestarts.nats += 3;
        return `all 3 nats-servers kill -9, down ${downtimeMs / 1000} s, restarted on the same ports and stores`;
      case 'kill-nats-leader':
        return this.killNatsNode('leader', record);
      case 'kill-nats-follower':
        return this.killNatsNode('follower', record);
      case 'postgres-connection-storm':
        return this.connectionStorm(downtimeMs, record);
      case 'restart-postgres':
        await this.cluster.pg.restart(downtimeMs);
        this.cluster.serverRestarts.postgres += 1;
        return `postgres immediate shutdown (SIGQUIT: backends killed, crash recovery), down ${downtimeMs / 1000} s, restarted`;
      case 'drop-connections':
        return `pg_terminate_backend on ${await this.dropConnections()} connections of the chaos databases`;
      case 'close-day':
        return this.closeDay(downtimeMs);
      case 'backup':
        return this.takeBackup(record.atOperation);
      case 'restore-accounting':
        return this.restoreAccounting();
    }
  }

  /** `pnpm backup`'s work under load: every database and the streams, into the run directory. */
  private async takeBackup(atOperation: number): Promise<string> {
    const nats = await connectNats(this.cluster.nats.url, { name: 'chaos-backup' });
    try {
      const { folder, manifest } = await takeBackup({
        root: path.join(this.cluster.runDir, 'backups'),
        databases: { ...this.cluster.databaseUrls },
        nats,
        namespace: this.cluster.namespace,
        now: new Date(),
      });
      this.backup = { folder, atOperation };
      const events = manifest.streamCopies.reduce((n, c) => n + c.messages, 0);
      return `backup of ${Object.keys(manifest.databases).length} databases and ${events} stream events in ${path.basename(folder)}`;
    } finally {
      await nats.close();
    }
  }

  /**
   * Accounting put back to the backup taken earlier in the run, under load: both accounting
   * instances and both payout workers stopped, \`pnpm restore --service accounting\`'s work, all
   * started again; accounting must catch up by itself (the checks after the run say whether it did).
   */
  private async restoreAccounting(): Promise<string> {
    if (!this.backup) throw new Error('restore-accounting needs a backup fault before it');
    const stopped = [...this.cluster.instances('accounting'), ...this.cluster.instances('payout-worker')];
    await Promise.all(stopped.map((p) => p.stop()));
    await this.cluster.releaseSql('accounting');
    const lines: string[] = [];
    const nats = await connectNats(this.cluster.nats.url, { name: 'chaos-restore' });
    try {
      // The sessions of the stopped processes end a moment after they exit.
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await restoreBackup({
            folder: this.backup.folder,
            databases: { accounting: this.cluster.databaseUrls.accounting },
            migrations: { accounting: path.join(repoRoot, 'subgraphs/accounting/drizzle') },
            nats,
            log: (line) => lines.push(line),
          });
          break;
        } catch (error) {
          const sessionsOnly =
            error instanceof RestoreRefused &&
            error.reasons.every((r) => r.startsWith('stop accounting first'));
          if (!sessionsOnly || Date.now() > deadline) throw error;
          await sleep(500);
        }
      }
    } finally {
      await nats.close();
    }
    await Promise.all(
      stopped.map(async (p) => {
        await p.ensureStarted();
        p.supervised = true;
      }),
    );
    this.restored.push('accounting');
    const rolled = lines.find((l) => l.startsWith('accounting: rolled forward')) ?? '';
    return `stopped ${stopped.map((p) => p.name).join(' + ')}; restored accounting from the backup of operation ${this.backup.atOperation} (${rolled.replace(/^accounting: /, '')}); started again`;
  }

  /**
   * SIGKILL of one NATS node under load: the leader of the busiest stream, or a node holding one
   * of its other replicas. The node stays down until every stream and consumer has a leader
   * again and the stall bound has passed, then rejoins; the next fault waits until every stream
   * has all its replicas current again (one node down at a time: R3 keeps a quorum).
   */
  private async killNatsNode(role: 'leader' | 'follower', record: FaultRecord): Promise<string> {
    const watch = await leaderWatch(this.cluster);
    try {
      // One node down at a time: the previous NATS fault's node must have caught up first.
      await waitForReplicas(watch.jsm, this.cluster.namespace, 120_000);
      const placement = await streamPlacement(watch.jsm, this.cluster.namespace);
      const busiest = placement.reduce((a, b) => (b.messages > a.messages ? b : a));
      // A follower of the busiest stream that leads other groups, the most of them: a node that
      // just rejoined leads nothing, and killing it would cost no election at all.
      const byGroup = await groupLeaders(watch.jsm, this.cluster.namespace);
      const leaders = [...byGroup.values()];
      const leads = (node: string) => leaders.filter((l) => l === node).length;
      const follower = [...busiest.replicas].sort((a, b) => leads(b) - leads(a))[0];
      const victimName = role === 'leader' ? busiest.leader : (follower ?? busiest.leader);
      const ledGroups = leads(victimName);
      const victim = this.cluster.nats.node(victimName);
      const failedBefore = this.failedOps();
      const startedAt = Date.now();
      await victim.crash();
      const answered = await waitForLeaders(watch.jsm, this.cluster.namespace, 60_000);
      // The polls see a new leader only as precisely as their API timeout (1 s); the leader-elected
      // advisories of the groups the node led say when their elections really ended.
      const led = [...byGroup].filter(([, leader]) => leader === victimName).map(([group]) => group);
      const elections = watch.elections.since(startedAt);
      const recoveredAt = led.every((g) => elections.has(g))
        ? Math.max(startedAt, ...led.map((g) => elections.get(g)!))
        : answered;
      await sleep(STALL_BOUND_MS);
      record.failedWhileDown = this.failedOps() - failedBefore;
      record.stall = { fault: record.name, startedAt, recoveredAt, until: Date.now() };
      await victim.start();
      this.cluster.serverRestarts.nats += 1;
      const caughtUp = await waitForReplicas(watch.jsm, this.cluster.namespace, 120_000);
      return (
        `kill -9 ${victimName} (${role === 'leader' ? 'leader' : 'a follower'} of ${busiest.stream}, ${busiest.messages} messages; leader of ${ledGroups} streams and consumers); ` +
        `every stream and consumer had a leader after ${((recoveredAt - startedAt) / 1000).toFixed(1)} s; ` +
        `${record.failedWhileDown} operations failed meanwhile; restarted, replicas current after ${(caughtUp / 1000).toFixed(1)} s`
      );
    } finally {
      await watch.close();
    }
  }

  /**
   * Opens connections to the chaos Postgres until it refuses more ("too many clients"), each
   * busy in `pg_sleep`, for the downtime; the services must ride it out on the connections
   * they hold and retry what needs a new one.
   */
  private async connectionStorm(downtimeMs: number, record: FaultRecord): Promise<string> {
    const holdMs = Math.max(downtimeMs, 3_000);
    const startedAt = Date.now();
    const clients: postgres.Sql[] = [];
    const sleeping: Promise<unknown>[] = [];
    let refused = 0;
    for (let i = 0; i < 500 && refused < 20; i++) {
      const sql = postgres(`${this.cluster.pg.url}/postgres`, {
        max: 1,
        connect_timeout: 2,
        onnotice: () => {},
      });
      try {
        await answersQueries(sql);
        clients.push(sql);
        sleeping.push(holdConnection(sql, holdMs / 1000).catch(() => undefined));
      } catch {
        refused += 1;
        await sql.end({ timeout: 1 });
      }
    }
    await Promise.all(sleeping);
    await Promise.all(clients.map((sql) => sql.end({ timeout: 2 })));
    const recoveredAt = Date.now();
    await sleep(STALL_BOUND_MS);
    record.stall = { fault: record.name, startedAt, recoveredAt, until: Date.now() };
    return `${clients.length} connections opened until Postgres refused ${refused}, each in pg_sleep for ${holdMs / 1000} s, then closed`;
  }

  private async dropConnections(): Promise<number> {
    const sql = postgres(`${this.cluster.pg.url}/postgres`, { max: 1, onnotice: () => {} });
    try {
      return await terminateChaosSessions(sql);
    } finally {
      await sql.end();
    }
  }

  /**
   * The billing-day close under faults. An admin closes today (early) on accounting-1 directly;
   * accounting-1 is killed once some accounts are closed and before the day is finished; the
   * admin repeats the close through a gateway (it resumes). The payment sandbox answers slowly,
   * so the payout worker paying the day is killed between payments (bank paid, some payouts
   * not PAID yet); it is restarted and pays the rest, each once.
   */
  private async closeDay(downtimeMs: number): Promise<string> {
    const day = utcToday();
    const accounting = this.cluster.sql('accounting');
    const record: CloseRecord = {
      day,
      killedMidSweep: false,
      killedMidPay: false,
      payoutsAtKill: { paid: 0, total: 0 },
    };
    this.close = record;
    await this.setBankFaults({ latencyMs: this.cluster.settings.paymentLatencyMs });

    // 1. Close on accounting-1, kill it mid-sweep.
    const target = this.cluster.process('accounting-1');
    const direct = target.spec.healthUrl.replace(/\/healthz$/, '/graphql');
    const closing = fetch(direct, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.adminToken()}` },
      body: JSON.stringify({
        query: 'mutation($day: Date!) { closeBillingDay(day: $day) { day } }',
        variables: { day },
      }),
    }).catch(() => undefined);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [state] = await accounting<{ closed: number; finished: boolean }[]>`
        select (select count(*)::int from accounts where closed_through >= ${day}) as closed,
               exists (select 1 from billing_days where day = ${day}) as finished`;
      if (state && state.closed > 0 && !state.finished) {
        record.killedMidSweep = true;
        break;
      }
      if (state?.finished || Date.now() > deadline) break;
      await sleep(5);
    }
    await target.kill9();
    await closing;
    await sleep(downtimeMs);
    await target.ensureStarted();

    // 2. The admin closes again through a gateway: the close resumes (or returns its figures).
    const closeDeadline = Date.now() + 60_000;
    for (let attempt = 0; ; attempt++) {
      try {
        const { closeBillingDay } = await this.cluster
          .client(attempt, this.adminToken())
          .ok(ops.CloseBillingDayDocument, { day });
        record.figures = closeBillingDay;
        break;
      } catch (error) {
        if (Date.now() > closeDeadline)
          throw new Error(`closeBillingDay(${day}) kept failing: ${String(error)}`);
        await sleep(500);
      }
    }

    // 3. Kill the payout worker that holds the pay lock while it pays.
    const payDeadline = Date.now() + 30_000;
    let victim: ServiceProcess | undefined;
    for (;;) {
      const [counts] = await accounting<{ paid: number; total: number }[]>`
        select count(*) filter (where status = 'PAID')::int as paid, count(*)::int as total
        from payouts where day = ${day}`;
      const paid = counts?.paid ?? 0;
      const total = counts?.total ?? 0;
      record.payoutsAtKill = { paid, total };
      if (total === 0 || paid === total || Date.now() > payDeadline) break;
      if (paid > 0) {
        victim = await this.payLockHolder();
        if (victim) {
          record.killedMidPay = true;
          break;
        }
      }
      await sleep(20);
    }
    const victims = victim ? [victim] : this.cluster.instances('payout-worker');
    await Promise.all(victims.map((p) => p.kill9()));
    await sleep(downtimeMs);
    await this.setBankFaults({ reset: true });
    await Promise.all(victims.map((p) => p.ensureStarted()));
    const { paid, total } = record.payoutsAtKill;
    return [
      `closeBillingDay(${day}) on accounting-1, kill -9 accounting-1 ${record.killedMidSweep ? 'mid-sweep' : 'after the close had finished'}`,
      `closed again through a gateway (${record.figures?.accountsPaid ?? '?'} accounts paid, ${record.figures?.totalPaid ?? '?'} total)`,
      `kill -9 ${victims.map((p) => p.name).join(' + ')} ${record.killedMidPay ? `mid-payment (${paid}/${total} payouts PAID)` : `(${paid}/${total} PAID: not mid-payment)`}`,
      'restarted',
    ].join('; ');
  }

  /** The payout worker whose database session holds the pay lock (an advisory lock). */
  private async payLockHolder(): Promise<ServiceProcess | undefined> {
    const rows = await this.cluster.sql('accounting')<{ port: number | null }[]>`
      select a.client_port as port
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted
        and l.objid::bigint = (hashtext('ates.accounting.payouts-pay')::bigint & 4294967295)
        and a.application_name = 'ates-payout-worker'`;
    const port = rows[0]?.port;
    if (!port) return undefined;
    const workers = this.cluster.instances('payout-worker');
    const pid = processOwningLocalPort(
      port,
      workers.flatMap((p) => (p.pid ? [p.pid] : [])),
    );
    return workers.find((p) => p.pid === pid);
  }

  private async setBankFaults(body: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${this.cluster.bankUrl}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.cluster.sandboxSecret}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`payment sandbox /_control answered ${response.status}`);
  }
}
