import { expect, it } from 'vitest';
import { Pipeline } from '../src/catch-up.ts';
import {
  checkAnalytics,
  checkDeletedTaskNamed,
  checkEvents,
  checkLedger,
  checkPayouts,
  checkReconciliation,
  type CheckResult,
} from '../src/checks.ts';
import { ChaosCluster } from '../src/cluster.ts';
import { classify, describeExit } from '../src/crashes.ts';
import { LoadDriver, OP_KINDS } from '../src/driver.ts';
import { FaultSchedule } from '../src/faults.ts';
import { sabotage } from '../src/sabotage.ts';
import { consumerStalls, STALL_BOUND_MS } from '../src/stall.ts';
import { seconds, table } from '../src/report.ts';
import { chaosSettings } from '../src/settings.ts';

const settings = chaosSettings();
const log = (line: string) => process.stdout.write(`chaos │ ${line}\n`);

it(`keeps the business rules' promises while processes are killed and servers restarted (${settings.name} run)`, async () => {
  const t0 = Date.now();
  const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
  log(
    `${settings.name} run: ${settings.operations} operations, ${settings.faults.length} faults, seed ${seed} (CHAOS_SEED to repeat the mix)`,
  );
  const cluster = await ChaosCluster.start(settings, log);
  let passed = false;
  try {
    const bootMs = Date.now() - t0;
    const driver = new LoadDriver(cluster, seed);
    await driver.setup(settings.initialWorkers);
    const schedule = new FaultSchedule(
      cluster,
      settings.faults,
      settings.operations,
      () => driver.adminToken(),
      log,
      () => Object.values(driver.stats.byKind).reduce((n, k) => n + k.failed, 0),
    );

    // The load and the faults, side by side.
    const loadStart = Date.now();
    const progress = setInterval(() => {
      const failed = Object.values(driver.stats.byKind).reduce((n, k) => n + k.failed, 0);
      log(`load: ${driver.completed}/${settings.operations} operations done, ${failed} failed`);
    }, 15_000);
    let faultError: unknown;
    const faults = schedule
      .run(() => driver.stats.started)
      .catch((error: unknown) => {
        faultError = error;
      });
    await driver.run(settings.operations, settings.concurrency, (i) => schedule.gate(i));
    await faults;
    clearInterval(progress);
    if (faultError) throw faultError;
    const loadMs = Date.now() - loadStart;
    log(`load done in ${seconds(loadMs)}; waiting for the catch-up`);

    // Catch-up: outboxes drained, consumers at 0, payouts paid and mailed.
    const pipeline = await Pipeline.connect(cluster);
    try {
      await cluster.allRunning();
      const catchUp = await pipeline.waitQuiet(settings.catchUpTimeoutMs, log);
      log(`caught up in ${seconds(catchUp.ms)}; checking`);
      const mustCatch = settings.sabotage ? await sabotage(cluster) : [];
      if (settings.sabotage)
        log(`CHAOS_SABOTAGE: broke the data behind the services' backs; the checks must report it`);

      const adminToken = driver.adminToken();
      const results: Array<[string, CheckResult]> = [
        ['reconciliation', await checkReconciliation(cluster, adminToken)],
        ['ledger and balances vs task history', await checkLedger(cluster)],
        ['analytics vs accounting', await checkAnalytics(cluster, adminToken)],
        ['payouts', await checkPayouts(cluster)],
        ['events', await checkEvents(cluster, pipeline, schedule.restored)],
      ];
      // Last, since it breaks the tracker's data on purpose.
      results.push(['a task deleted from the tracker', await checkDeletedTaskNamed(cluster, adminToken)]);

      // How long each consumer took, per fault that can stall the pipeline (NATS node, storm).
      const stalls: Record<string, string> = {};
      const stallProblems: string[] = [];
      for (const [i, r] of schedule.records.entries()) {
        if (!r.stall) continue;
        const label = `${i + 1}. ${r.name}`;
        const figures = await consumerStalls(cluster, r.stall);
        const worst = figures.reduce((a, b) => (b.maxAfterRecoveryMs > a.maxAfterRecoveryMs ? b : a), {
          consumer: '-',
          events: 0,
          maxLatencyMs: 0,
          maxAfterRecoveryMs: 0,
        });
        const longest = Math.max(0, ...figures.map((f) => f.maxLatencyMs));
        stalls[label] =
          `cause gone after ${seconds(r.stall.recoveredAt - r.stall.startedAt)}; longest event latency ${seconds(longest)}; ` +
          `worst after that: ${worst.consumer} ${seconds(worst.maxAfterRecoveryMs)} (${figures.reduce((n, f) => n + f.events, 0)} events)`;
        for (const f of figures)
          if (f.maxAfterRecoveryMs > STALL_BOUND_MS)
            stallProblems.push(
              `${label}: ${f.consumer} applied an event ${seconds(f.maxAfterRecoveryMs)} after the cause was gone (bound ${seconds(STALL_BOUND_MS)})`,
            );
        if (r.failedWhileDown)
          stallProblems.push(`${label}: ${r.failedWhileDown} operations failed while a NATS node was down`);
      }

      const ops: Record<string, number | string> = {};
      for (const kind of OP_KINDS) {
        const o = driver.stats.byKind[kind];
        ops[kind] =
          `${o.ok} ok, ${o.rejected} rejected, ${o.failed} failed${o.noop ? `, ${o.noop} nothing to do` : ''}`;
      }
      const byOutcome = (k: 'ok' | 'rejected' | 'failed') =>
        OP_KINDS.reduce((n, kind) => n + driver.stats.byKind[kind][k], 0);
      const faultsTable: Record<string, string> = {};
      schedule.records.forEach((r, i) => {
        faultsTable[`${i + 1}. ${r.name} @${r.atOperation}`] = `${r.detail} (${seconds(r.ms)})`;
      });
      const balancers: Record<string, string> = {};
      for (const [name, b] of cluster.balancers)
        balancers[name] =
          `${[...b.connections.values()].join(' / ')} connections${b.refused ? `, ${b.refused} refused` : ''}`;
      const problems = results.flatMap(([title, r]) => r.problems.map((p) => `${title}: ${p}`));
      problems.push(...stallProblems.map((p) => `stall: ${p}`));
      const crashes = cluster.unexpectedExits().map(classify);
      problems.push(...crashes.filter((c) => !c.known).map((c) => `crash: ${describeExit(c)}`));
      const warnings = results.flatMap(([title, r]) => (r.warnings ?? []).map((w) => `${title}: ${w}`));
      warnings.push(...crashes.filter((c) => c.known).map((c) => `known crash: ${describeExit(c)}`));
      const mismatches = Number(results[0]![1].figures.mismatches ?? 0);

      const summary = {
        operations: `${driver.completed} (${byOutcome('ok')} ok, ${byOutcome('rejected')} rejected, ${byOutcome('failed')} failed)`,
        kills: `${cluster.kills} (kill -9)`,
        restarts: `${cluster.restarts} processes (${cluster.processes.reduce((n, p) => n + p.crashRestarts, 0)} after crashes), NATS ${cluster.serverRestarts.nats}, Postgres ${cluster.serverRestarts.postgres}`,
        events: results[4]![1].figures.events ?? 0,
        mismatches,
        problems: problems.length,
        'crashes (restarted by the restart policy)': `${crashes.length} (${crashes.filter((c) => c.known).length} known)`,
        'time: boot / load / catch-up / total': `${seconds(bootMs)} / ${seconds(loadMs)} / ${seconds(catchUp.ms)} / ${seconds(Date.now() - t0)}`,
        'metrics scraped (lag, backlog at the end)': `${catchUp.state.metrics.scraped} processes (${catchUp.state.metrics.consumerLag}, ${catchUp.state.metrics.outboxBacklog})`,
      };
      const failures = Object.fromEntries(
        [...driver.stats.failures.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 8)
          .map(([k, n]) => [k, n]),
      );
      process.stdout.write(
        `\n${table([
          ['chaos run', summary],
          ['operations (through the two gateways)', ops],
          ['faults', faultsTable],
          ['subgraph balancers (connections per instance)', balancers],
          ['event pipeline stalls (outbox commit → consumer commit)', stalls],
          ...results.map(([title, r]) => [title, r.figures] as [string, Record<string, number | string>]),
          ...(Object.keys(failures).length
            ? [['most frequent failed operations', failures] as [string, Record<string, number>]]
            : []),
        ])}\n`,
      );
      for (const w of warnings) log(`warning: ${w}`);
      for (const p of problems) log(`PROBLEM: ${p}`);
      log(
        `operations ${driver.completed}, kills ${cluster.kills}, restarts ${cluster.restarts + cluster.serverRestarts.nats + cluster.serverRestarts.postgres}, events ${summary.events}, mismatches ${mismatches}, problems ${problems.length}`,
      );

      expect(driver.completed).toBe(settings.operations);
      if (settings.sabotage) {
        // The negative control passes when every piece of sabotage was reported.
        expect(mustCatch.filter((m) => !problems.some((p) => p.startsWith(m)))).toEqual([]);
      } else {
        expect(problems).toEqual([]);
      }
      passed = true;
    } finally {
      await pipeline.close();
    }
  } finally {
    await cluster.stop({ keepRunDir: !passed });
    if (!passed) log(`kept ${cluster.runDir} (logs/, mail/) for a look`);
  }
});
