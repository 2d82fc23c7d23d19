import { useQuery, useSubscription } from 'urql';
import { AnalyticsDashboardDocument, OnAnalyticsTodayDocument } from '../generated/operations.ts';
import { useSearchParam } from '../app/router.tsx';
import { BarChart } from '../components/bar-chart.tsx';
import { DayRangePicker, useDayRange } from '../components/date-range.tsx';
import { TextField } from '../components/field.tsx';
import { Money } from '../components/money.tsx';
import { Page } from '../components/page-header.tsx';
import { CountStat, MoneyStat } from '../components/stat.tsx';
import { Empty, QueryStatus } from '../components/status.tsx';
import { TaskTitle } from '../components/task-bits.tsx';
import { countBars, countTick, moneyBars, moneyTick, withLiveDay } from '../lib/chart-data.ts';
import { formatDateTime, formatDay, isDay, today } from '../lib/dates.ts';
import { Card } from '../components/card.tsx';

/** Admin analytics: today's earnings and popugs in red (live), per-day charts, top tasks. */
export function AnalyticsPage() {
  const range = useDayRange();
  const [dayParam, setDay] = useSearchParam('day');
  const day = isDay(dayParam) ? dayParam : null;
  const [{ data, fetching, error }, refetch] = useQuery({
    query: AnalyticsDashboardDocument,
    variables: { from: range.from, to: range.to, day },
    pause: range.problem !== null,
  });
  const [live] = useSubscription({ query: OnAnalyticsTodayDocument });
  const analytics = data?.analytics;
  const liveToday = live.data?.analyticsToday;
  const todayFigures =
    analytics && liveToday && liveToday.day === analytics.today.day ? liveToday : analytics?.today;
  const days = analytics ? withLiveDay(analytics.days, liveToday) : [];

  return (
    <Page title="Analytics" lead="Figures from the analytics read model, by business day." live>
      <QueryStatus what="analytics" result={{ data, fetching, error }} refetch={refetch} />
      {todayFigures && (
        <div className="grid grid--stats" aria-live="polite">
          <MoneyStat
            label="Management earnings today"
            value={todayFigures.managementEarnings}
            note={formatDay(todayFigures.day)}
          />
          <CountStat
            label="Popugs in the red"
            value={todayFigures.popugsInRed}
            alert={todayFigures.popugsInRed > 0}
            note="Popugs whose balance is negative now"
          />
        </div>
      )}
      <Card title="Per day" actions={<DayRangePicker range={range} />}>
        {analytics && days.length > 0 && (
          <div className="grid grid--charts">
            <BarChart
              title="Management earnings"
              data={moneyBars(days, (d) => d.managementEarnings)}
              formatTick={moneyTick}
              valueName="Management earnings"
            />
            <BarChart
              title="Popugs in the red at the end of the day"
              data={countBars(days, (d) => d.popugsInRed)}
              formatTick={countTick}
              valueName="Popugs in the red"
              tone="alert"
            />
          </div>
        )}
      </Card>
      <Card
        title="Most expensive task"
        actions={
          <TextField
            label="Periods containing"
            name="top-day"
            type="date"
            value={day ?? today()}
            onChange={(e) => setDay(isDay(e.target.value) ? e.target.value : null)}
          />
        }
      >
        {analytics && (
          <div className="grid grid--tops">
            <TopTask label="Day" top={analytics.dayTop} />
            <TopTask label="Week" top={analytics.weekTop} />
            <TopTask label="Month" top={analytics.monthTop} />
          </div>
        )}
      </Card>
    </Page>
  );
}

interface TopLike {
  reward: string;
  completedAt: string;
  task: { id: string; title: string; jiraId?: string | null; assignee?: { login: string } };
}

function TopTask({ label, top }: { label: string; top: TopLike | null }) {
  const period = label.toLowerCase();
  return (
    <div className="top-task">
      <p className="stat__label">Of the {period}</p>
      {!top ? (
        <Empty>No task was completed in this {period}.</Empty>
      ) : (
        <>
          <p className="stat__value">
            <Money value={top.reward} />
          </p>
          <TaskTitle id={top.task.id} title={top.task.title} jiraId={top.task.jiraId ?? null} />
          <p className="muted small">
            completed {formatDateTime(top.completedAt)}
            {top.task.assignee ? ` by @${top.task.assignee.login}` : ''}
          </p>
        </>
      )}
    </div>
  );
}
