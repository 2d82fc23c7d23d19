import { describe, expect, it } from 'vitest';
import { moreExpensiveFirst, type RankedTask } from '../src/domain/expensive-task.ts';
import { fillDays, redOnDays } from '../src/domain/figures.ts';
import { formatDuration, progressOf, renderProgress } from '../src/rebuild/progress.ts';

describe('analytics days', () => {
  it('earns fees charged minus rewards paid, zero on a day without transactions; today counts the red now', () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
    const filled = fillDays(
      days,
      [
        { day: '2026-03-01', feesCharged: 4500, rewardsPaid: 3000 },
        { day: '2026-03-03', feesCharged: 100, rewardsPaid: 2100 },
      ],
      [1, 2, 2],
      { day: '2026-03-03', popugsInRed: 5 },
    );
    expect(filled).toEqual([
      { day: '2026-03-01', managementEarnings: 1500, popugsInRed: 1 },
      { day: '2026-03-02', managementEarnings: 0, popugsInRed: 2 },
      { day: '2026-03-03', managementEarnings: -2000, popugsInRed: 5 },
    ]);
  });

  it('reads the count in red of each day from the last change on or before it', () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'];
    expect(
      redOnDays(days, 3, [
        { day: '2026-03-02', popugs: 4 },
        { day: '2026-03-04', popugs: 1 },
      ]),
    ).toEqual([3, 4, 4, 1]);
    expect(redOnDays(days, 0, [])).toEqual([0, 0, 0, 0]);
  });
});

describe('the most expensive task', () => {
  const t = (taskId: string, reward: number, at: string): RankedTask => ({
    taskId,
    reward,
    completedAt: new Date(at),
  });

  it('is the highest reward; on a tie the earliest completion, then the smallest id', () => {
    const tasks = [
      t('cccccccc-0000-4000-8000-000000000000', 3000, '2026-03-02T10:00:00Z'),
      t('bbbbbbbb-0000-4000-8000-000000000000', 3999, '2026-03-02T12:00:00Z'),
      t('aaaaaaaa-0000-4000-8000-000000000000', 3999, '2026-03-02T12:00:00Z'),
      t('dddddddd-0000-4000-8000-000000000000', 3999, '2026-03-02T11:00:00Z'),
    ];
    expect([...tasks].sort(moreExpensiveFirst).map((x) => x.taskId[0])).toEqual(['d', 'a', 'b', 'c']);
  });
});

describe('the rebuild progress bar', () => {
  it('shows events replayed of the total, the rate and the time left', () => {
    const p = progressOf(2500, 10_000, 2000);
    expect(p.rate).toBe(1250);
    expect(p.etaMs).toBe(6000);
    expect(renderProgress(p, 10)).toBe('[███░░░░░░░]  25% 2,500/10,000 events · 1,250/s · ETA 6s');
    expect(renderProgress(progressOf(10_000, 10_000, 4000), 4)).toBe(
      '[████] 100% 10,000/10,000 events · 2,500/s · ETA 0s',
    );
    expect(formatDuration(null)).toBe('--');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_725_000)).toBe('1h02m');
  });
});
