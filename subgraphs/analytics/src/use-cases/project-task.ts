import type { AnalyticsTx } from '../db/db.ts';
import type { TaskFactsRow } from '../db/task-repository.ts';
import { periodsOf } from '../domain/calendar.ts';
import { collectTaskFacts } from './project-batch.ts';

export interface TaskFacts {
  taskId: string;
  title: string;
  jiraId: string | null;
}

// Each fact is collected into the transaction's batch, written by flushProjection (see
// project-events.ts).

/** A task the tracker created (v1 events arrive upcast, with the Jira id split from the title). */
export function collectTaskCreated(tx: AnalyticsTx, task: TaskFacts): void {
  collectTaskFacts(tx, { id: task.taskId, title: task.title, jiraId: task.jiraId });
}

/** A task's reward as accounting fixed it. */
export function collectTaskPriced(tx: AnalyticsTx, taskId: string, reward: number): void {
  collectTaskFacts(tx, { id: taskId, reward });
}

/** A completion: ranked under its day, ISO week and month in the company time zone. */
export function collectTaskCompleted(
  tx: AnalyticsTx,
  task: TaskFacts,
  completedAt: Date,
  timeZone: string,
): void {
  const periods = periodsOf(completedAt, timeZone);
  const facts: TaskFactsRow = {
    id: task.taskId,
    title: task.title,
    jiraId: task.jiraId,
    completedAt,
    completedDay: periods.day,
    completedWeek: periods.week,
    completedMonth: periods.month,
  };
  collectTaskFacts(tx, facts);
}
