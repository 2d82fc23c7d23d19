import { useQuery, useSubscription } from 'urql';
import {
  AccountingDashboardDocument,
  OnAccountingTodayDocument,
  ReconciliationDocument,
} from '../generated/operations.ts';
import { BarChart } from '../components/bar-chart.tsx';
import { DayRangePicker, useDayRange } from '../components/date-range.tsx';
import { Money } from '../components/money.tsx';
import { Page } from '../components/page-header.tsx';
import { MoneyStat } from '../components/stat.tsx';
import { ErrorNotice, QueryStatus } from '../components/status.tsx';
import { moneyBars, moneyTick, sumMoney, withLiveDay } from '../lib/chart-data.ts';
import { addDays, formatDay } from '../lib/dates.ts';
import { PopugAccountPanel } from './popug-account-panel.tsx';
import { useEffect, useState } from 'react';
import { Card } from '../components/card.tsx';

/** Management earnings (ADMIN, ACCOUNTANT): today live, per day for a range, and any account. */
export function AccountingPage() {
  // Once today is closed (early, by an admin), new transactions count on the next day: the
  // default range then runs through it, so the work after the close is not out of sight.
  const [closedToday, setClosedToday] = useState<string | null>(null);
  const range = useDayRange(closedToday ? addDays(closedToday, 1) : undefined);
  const [{ data, fetching, error }, refetch] = useQuery({
    query: AccountingDashboardDocument,
    variables: { from: range.from, to: range.to },
    pause: range.problem !== null,
  });
  const [live] = useSubscription({ query: OnAccountingTodayDocument });
  const dashboard = data?.accountingDashboard;
  const liveToday = live.data?.accountingToday;
  const today =
    dashboard && liveToday && liveToday.day === dashboard.today.day
      ? { ...dashboard.today, ...liveToday }
      : dashboard?.today;
  const days = dashboard ? withLiveDay(dashboard.days, liveToday) : [];
  const closedDay = dashboard?.today.closed ? dashboard.today.day : null;
  useEffect(() => {
    if (closedDay) setClosedToday(closedDay);
  }, [closedDay]);

  return (
    <Page title="Accounting" lead="Management earnings are the fees charged minus the rewards paid." live>
      <QueryStatus what="the accounting dashboard" result={{ data, fetching, error }} refetch={refetch} />
      {today && (
        <div className="grid grid--stats" aria-live="polite">
          <MoneyStat
            label={`Management earnings today`}
            value={today.managementEarnings}
            note={`${formatDay(today.day)}${today.closed ? ' · day closed' : ''}`}
          />
          <MoneyStat label="Fees charged today" value={today.feesCharged} />
          <MoneyStat label="Rewards paid today" value={today.rewardsPaid} />
        </div>
      )}
      {today?.closed && (
        <p className="notice notice--info" role="status">
          Today&apos;s billing day was closed early: transactions from now on count on{' '}
          {formatDay(addDays(today.day, 1))}, the next business day.
        </p>
      )}
      <Card title="Earnings per day" actions={<DayRangePicker range={range} />}>
        {dashboard && days.length > 0 && (
          <>
            <BarChart
              title={`Management earnings, ${formatDay(range.from)} – ${formatDay(range.to)}`}
              data={moneyBars(days, (d) => d.managementEarnings)}
              formatTick={moneyTick}
              valueName="Management earnings"
            />
            <p className="muted">
              Total for the range: <Money value={sumMoney(days.map((d) => d.managementEarnings))} />
            </p>
          </>
        )}
      </Card>
      <PopugAccountPanel />
      <ReconciliationPanel />
    </Page>
  );
}

/** On demand: checks that every assignment was charged and every completion paid, once. */
function ReconciliationPanel() {
  const [requested, setRequested] = useState(false);
  const [{ data, fetching, error }, run] = useQuery({ query: ReconciliationDocument, pause: !requested });
  const result = data?.reconciliation;
  return (
    <Card
      title="Reconciliation"
      actions={
        <button
          type="button"
          className="button button--secondary"
          disabled={fetching}
          onClick={() => (requested ? run({ requestPolicy: 'network-only' }) : setRequested(true))}
        >
          {fetching ? 'Checking…' : 'Run the check'}
        </button>
      }
    >
      <p className="muted">
        Compares the task tracker&apos;s assignments and completions with the transactions.
      </p>
      {error && <ErrorNotice error={error} title="The check failed" />}
      {result && (
        <div role="status">
          <p>
            {result.tasksChecked} tasks checked:{' '}
            {result.mismatches.length === 0 ? (
              <strong className="money--positive">everything matches.</strong>
            ) : (
              <strong className="money--negative">{result.mismatches.length} mismatches.</strong>
            )}
          </p>
          {result.mismatches.length > 0 && (
            <div className="table-wrap">
              <table className="table table--compact">
                <thead>
                  <tr>
                    <th scope="col">Task</th>
                    <th scope="col">Problem</th>
                    <th scope="col" className="num">
                      Fees expected / found
                    </th>
                    <th scope="col" className="num">
                      Rewards expected / found
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {result.mismatches.map((m, i) => (
                    <tr key={i}>
                      <td>
                        {(m.task as typeof m.task | null)?.title ?? 'a task the task tracker does not know'}
                      </td>
                      <td className="num">
                        {m.expectedAssignFees} / {m.actualAssignFees}
                      </td>
                      <td className="num">
                        {m.expectedRewards} / {m.actualRewards}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
