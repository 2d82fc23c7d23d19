import type { AnalyticsTx } from '../db/db.ts';
import { lockProjection } from '../db/projection-lock.ts';
import { rememberCompletion, rememberReward, rememberTask } from '../db/task-repository.ts';
import { periodsOf } from '../domain/calendar.ts';

export interface TaskFacts {
  taskId: string;
  title: string;
  jiraId: string | null;
}

/** A task the tracker created (v1 events arrive upcast, with the Jira id split from the title). */
export async function projectTaskCreated(tx: AnalyticsTx, task: TaskFacts): Promise<void> {
  await lockProjection(tx);
  await rememberTask(tx, { id: task.taskId, title: task.title, jiraId: task.jiraId });
}

/** A task's reward as accounting fixed it. */
export async function projectTaskPriced(tx: AnalyticsTx, taskId: string, reward: number): Promise<void> {
  await lockProjection(tx);
  await rememberReward(tx, taskId, reward);
}

/** A completion: ranked under its day, ISO week and month in the company time zone. */
export async function projectTaskCompleted(
  tx: AnalyticsTx,
  task: TaskFacts,
  completedAt: Date,
  timeZone: string,
): Promise<void> {
  await lockProjection(tx);
  await rememberCompletion(
    tx,
    { id: task.taskId, title: task.title, jiraId: task.jiraId },
    completedAt,
    periodsOf(completedAt, timeZone),
  );
}
