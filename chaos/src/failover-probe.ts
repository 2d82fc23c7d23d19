/**
 * `pnpm --filter @ates/chaos probe [--runs N]`: the cluster's failover, measured through the
 * gateway. It boots the cluster shape (3 JetStream nodes, R3 streams, two replicas of every
 * service behind balancers, two gateways), then N times: load for a few seconds, SIGKILL of
 * the NATS node leading the busiest stream, and a probe — a query of both dashboards through a
 * gateway every 100 ms and the `accountingToday`/`analyticsToday` subscriptions — timing how
 * long after the kill analytics and accounting agree on the state the kill left. The node is
 * restarted and caught up before the next run. Prints one line per run and a summary.
 *
 * Each line also says which Raft groups (streams, durable consumers) the killed node led and
 * when each had a new leader (from the leader-elected advisories): the final agreement waits for
 * those on the path of the operations in flight at the kill (PATH).
 */
import { parseArgs } from 'node:util';
import { connectWs, type WsResult } from '@ates/testing';
import { ChaosCluster } from './cluster.ts';
import { LoadDriver } from './driver.ts';
import { chaosSettings } from './settings.ts';
import { groupLeaders, leaderWatch, streamPlacement, waitForLeaders, waitForReplicas } from './stall.ts';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'load-ms': { type: 'string', default: '4000' },
  },
});
const runs = Number(flags.runs);
const loadMs = Number(flags['load-ms']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stdout.write(`probe │ ${line}\n`);

const BOTH_TODAY = `query ProbeToday {
  accountingDashboard { today { managementEarnings } }
  analytics { today { managementEarnings } }
}`;
interface BothToday {
  accountingDashboard: { today: { managementEarnings: string } };
  analytics: { today: { managementEarnings: string } };
}

/**
 * The groups an operation's money passes through from the tasks service to analytics: the tasks
 * relay publishes to TASKS, accounting's consumer applies it, accounting's relay publishes the
 * transaction to ACCOUNTING, analytics' consumer projects it.
 */
const PATH = ['TASKS', 'TASKS/accounting-tasks', 'ACCOUNTING', 'ACCOUNTING/analytics-accounting'];

/** The latest value each subscription pushed. */
interface Latest {
  accounting?: string;
  analytics?: string;
}

class Paused extends Error {}

async function main(): Promise<void> {
  const settings = { ...chaosSettings({ CHAOS_SHORT: '1' }), logLevel: 'warn' };
  const cluster = await ChaosCluster.start(settings, log);
  const results: Array<{
    run: number;
    node: string;
    stream: string;
    electedMs: number;
    /** When the last group on PATH that the node led had a leader again (0: it led none). */
    pathElectedMs: number;
    queryMs: number;
    subscriptionMs: number;
    failed: number;
  }> = [];
  let paused = false;
  let resume: () => void = () => {};
  let finished = false;
  try {
    const driver = new LoadDriver(cluster, 1);
    await driver.setup(settings.initialWorkers);
    const failed = () => Object.values(driver.stats.byKind).reduce((n, k) => n + k.failed, 0);
    const gate = async () => {
      while (paused) await new Promise<void>((r) => (resume = r));
      if (finished) throw new Paused();
    };
    const load = driver.run(Number.MAX_SAFE_INTEGER, settings.concurrency, gate).catch((error: unknown) => {
      if (!(error instanceof Paused)) throw error;
    });
    const admin = cluster.client(0, driver.adminToken());
    const ws = connectWs(cluster.gatewayUrls()[1]!, driver.adminToken());
    const latest: Latest = {};
    const accountingSub = await ws.subscribe('subscription { accountingToday { managementEarnings } }');
    const analyticsSub = await ws.subscribe('subscription { analyticsToday { managementEarnings } }');
    const pump = (sub: typeof accountingSub, set: (r: WsResult) => void) =>
      void (async () => {
        for (;;) {
          try {
            set(await sub.next(3_600_000));
          } catch {
            return;
          }
        }
      })();
    pump(accountingSub, (r) => {
      latest.accounting = (r.data?.accountingToday as { managementEarnings: string } | undefined)
        ?.managementEarnings;
    });
    pump(analyticsSub, (r) => {
      latest.analytics = (r.data?.analyticsToday as { managementEarnings: string } | undefined)
        ?.managementEarnings;
    });
    const watch = await leaderWatch(cluster);
    try {
      for (let run = 1; run <= runs; run++) {
        await sleep(loadMs);
        const placement = await streamPlacement(watch.jsm, cluster.namespace);
        const busiest = placement.reduce((a, b) => (b.messages > a.messages ? b : a));
        const victim = cluster.nats.node(busiest.leader);
        const led = [...(await groupLeaders(watch.jsm, cluster.namespace))]
          .filter(([, leader]) => leader === victim.name)
          .map(([group]) => group);
        const failedBefore = failed();
        // New operations wait from here; the ones in flight finish against the failing cluster.
        paused = true;
        const killedAt = Date.now();
        await victim.crash();
        const electedAfter = new Map<string, number>();
        // Poll both dashboards in one query through a gateway until the pipeline is quiet,
        // remembering when each value was first seen.
        const seen: Array<{ at: number; accounting: string; analytics: string }> = [];
        const subSeen: Array<{ at: number; accounting?: string; analytics?: string }> = [];
        let electedAt = 0;
        const elected = waitForLeaders(watch.jsm, cluster.namespace, 60_000, (group, at) => {
          if (led.includes(group)) electedAfter.set(group, at - killedAt);
        }).then((t) => (electedAt = t));
        // The advisories' moments are exact; the polls above only say a leader answers by then.
        const fromAdvisories = () => {
          for (const [group, at] of watch.elections.since(killedAt))
            if (led.includes(group)) electedAfter.set(group, at - killedAt);
        };
        const deadline = Date.now() + 40_000;
        let stableSince = 0;
        for (;;) {
          const at = Date.now();
          subSeen.push({ at, accounting: latest.accounting, analytics: latest.analytics });
          try {
            const today = await admin.ok<BothToday>(BOTH_TODAY);
            const a = today.accountingDashboard.today.managementEarnings;
            const b = today.analytics.today.managementEarnings;
            const last = seen.at(-1);
            if (!last || last.accounting !== a || last.analytics !== b) stableSince = at;
            seen.push({ at, accounting: a, analytics: b });
          } catch {
            stableSince = at;
          }
          // Settled: agreeing, unchanged for 3 s, and the cluster has its leaders back.
          const last = seen.at(-1);
          if (electedAt && last && last.accounting === last.analytics && at - stableSince > 3_000) break;
          if (Date.now() > deadline) break;
          await sleep(100);
        }
        await elected;
        fromAdvisories();
        const target = seen.at(-1)?.accounting ?? '';
        const firstQuery = seen.find(
          (s, i) =>
            s.accounting === target &&
            s.analytics === target &&
            seen.slice(i).every((x) => x.accounting === x.analytics),
        );
        const firstSub = subSeen.find(
          (s, i) =>
            s.accounting === target &&
            s.analytics === target &&
            subSeen.slice(i).every((x) => x.accounting === target && x.analytics === target),
        );
        const result = {
          run,
          node: victim.name,
          stream: `${busiest.stream} (${busiest.messages} messages)`,
          electedMs: electedAt - killedAt,
          pathElectedMs: Math.max(0, ...PATH.map((g) => electedAfter.get(g) ?? 0)),
          queryMs: firstQuery ? firstQuery.at - killedAt : Number.NaN,
          subscriptionMs: firstSub ? firstSub.at - killedAt : Number.NaN,
          failed: failed() - failedBefore,
        };
        results.push(result);
        const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        log(
          `run ${run}: kill -9 ${result.node}, leader of ${result.stream}; every stream and consumer led again after ${s1(result.electedMs)} ` +
            `(it led ${led.map((g) => `${g} ${s1(electedAfter.get(g) ?? Number.NaN)}`).join(', ') || 'nothing'}); ` +
            `tasks → accounting → analytics ${result.pathElectedMs ? `led again after ${s1(result.pathElectedMs)}` : 'not led by it'}; ` +
            `analytics = accounting (${target}) after ${s1(result.queryMs)} by query, ${s1(result.subscriptionMs)} by subscription; ${result.failed} operations failed`,
        );
        await victim.start();
        await waitForReplicas(watch.jsm, cluster.namespace, 120_000);
        paused = false;
        resume();
      }
    } finally {
      finished = true;
      paused = false;
      resume();
      await watch.close();
      await accountingSub.close();
      await analyticsSub.close();
      await ws.dispose();
      await load;
    }
    const agreed = (r: (typeof results)[number]) => Math.max(r.queryMs, r.subscriptionMs);
    const within = results.filter((r) => agreed(r) <= 5_000).length;
    const worst = Math.max(...results.map(agreed));
    // Where the node led part of the path, the final agreement may wait for that election.
    const afterPath = results.filter((r) => r.pathElectedMs > 0).map((r) => agreed(r) - r.pathElectedMs);
    const clear = results.filter((r) => r.pathElectedMs === 0).map(agreed);
    log(
      `${within} of ${results.length} runs agreed within 5 s of the kill; worst ${(worst / 1000).toFixed(1)} s. ` +
        `${clear.length} runs where the node led nothing on tasks → accounting → analytics: worst ${(Math.max(0, ...clear) / 1000).toFixed(1)} s after the kill; ` +
        `${afterPath.length} where it did: agreement ${(Math.max(0, ...afterPath) / 1000).toFixed(1)} s at worst after the last of those elections`,
    );
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    await cluster.stop({ keepRunDir: false });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`probe failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
