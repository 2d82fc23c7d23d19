import { describe, expect, it } from 'vitest';
import { seededRandom } from '@ates/service-kit';
import { demoStaff } from '../lib/demo/people.ts';
import { ProgressBar, renderProgress } from '../lib/demo/progress.ts';
import { lastJiraNumbers, taskFactory } from '../lib/demo/work.ts';

describe('pnpm demo', () => {
  it('hires the same people for the same sizes, with distinct valid logins', () => {
    const staff = demoStaff({ managers: 2, accountants: 2, popugs: 60 });
    expect(staff).toEqual(demoStaff({ managers: 2, accountants: 2, popugs: 60 }));
    expect(new Set(staff.map((p) => p.login)).size).toBe(64);
    for (const { login } of staff) expect(login).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/);
    expect(staff.filter((p) => p.role === 'WORKER')).toHaveLength(60);
  });

  it('writes task titles without brackets and Jira ids that continue each project', () => {
    const next = taskFactory(seededRandom(1), lastJiraNumbers(['POPUG-500', 'NEST-7', null, 'junk']));
    const tasks = Array.from({ length: 200 }, next);
    for (const task of tasks) {
      expect(task.title).not.toMatch(/[[\]]/);
      expect(task.title.length).toBeLessThanOrEqual(200);
      if (task.jiraId) expect(task.jiraId).toMatch(/^[A-Z][A-Z0-9]*-[0-9]+$/);
    }
    const popugs = tasks.flatMap((t) => (t.jiraId?.startsWith('POPUG-') ? [Number(t.jiraId.slice(6))] : []));
    expect(Math.min(...popugs)).toBeGreaterThan(500);
    expect(new Set(tasks.map((t) => t.jiraId).filter(Boolean)).size).toBe(
      tasks.filter((t) => t.jiraId).length,
    );
  });

  it('shows done/total, the rate and the time left', () => {
    expect(renderProgress({ done: 50, total: 200, elapsedMs: 10_000, phase: 'creating tasks' }, 8)).toBe(
      '[██░░░░░░]  25% 50/200 · creating tasks · 5.0/s · ETA 30s',
    );
    expect(renderProgress({ done: 0, total: 10, elapsedMs: 0, phase: 'hiring' }, 4)).toContain('ETA --');
  });

  it('prints whole lines when stderr is not a terminal, and nothing before the total is known', () => {
    const lines: string[] = [];
    const bar = new ProgressBar(0, { isTTY: false, write: (text) => lines.push(text) > 0 }, 60_000);
    bar.setPhase('logging in as admin');
    expect(lines).toEqual([]);
    bar.setTotal(3);
    bar.tick();
    bar.setPhase('shuffling');
    bar.finish();
    expect(lines.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(lines.at(-1)).toContain('100% 3/3 · done');
  });
});
