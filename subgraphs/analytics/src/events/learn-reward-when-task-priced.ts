import type { EventHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { projectTaskPriced } from '../use-cases/project-task.ts';

/** A task's reward is known as soon as accounting prices it (the reward transaction says it again). */
export const learnRewardWhenTaskPriced: EventHandler<'task.priced', 1, typeof tables> = (event, { tx }) =>
  projectTaskPriced(tx, event.data.taskId, event.data.reward);
