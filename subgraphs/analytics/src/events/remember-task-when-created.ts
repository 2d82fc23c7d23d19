import type { EventHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { projectTaskCreated } from '../use-cases/project-task.ts';

/** A new task's title and Jira id (a v1 event arrives upcast, `[POPUG-42] Title` split in two). */
export const rememberTaskWhenCreated: EventHandler<'task.created', 2, typeof tables> = (event, { tx }) =>
  projectTaskCreated(tx, event.data);
