import type { EventHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { projectTaskCompleted } from '../use-cases/project-task.ts';

/** A completed task is ranked under the day, ISO week and month of its completion in the company time zone. */
export const rankTaskWhenCompleted =
  (timeZone: string): EventHandler<'task.completed', 1, typeof tables> =>
  (event, { tx }) =>
    projectTaskCompleted(tx, event.data, new Date(event.data.completedAt), timeZone);
