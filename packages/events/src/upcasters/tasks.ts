import type { Upcaster, Upcasters } from '../consumer/handlers.ts';
import type { EnvelopeOf } from '../envelope.ts';
import type { TaskAssignment } from '../generated/event-types.ts';

const JIRA_PREFIX = /^\s*\[([A-Z][A-Z0-9]*-[0-9]+)\]\s*/;
const TITLE_MAX = 200;

/**
 * Task events v1 carried the Jira id in the title (`[POPUG-42] Title`); v2 has `jiraId` and a
 * title without brackets. Any other bracket is dropped, since v2 titles may not contain one.
 */
export function splitJiraTitle(title: string): { jiraId: string | null; title: string } {
  const match = JIRA_PREFIX.exec(title);
  const jiraId = match?.[1] ?? null;
  const rest = (match ? title.slice(match[0].length) : title).replace(/[[\]]/g, '').trim();
  return { jiraId, title: (rest || jiraId || 'Untitled').slice(0, TITLE_MAX) };
}

export const taskCreatedV1ToV2: Upcaster<'task.created', 1> = (event) => {
  const { taskId, title, description, createdBy, createdAt } = event.data;
  return {
    ...event,
    version: 2,
    data: { taskId, ...splitJiraTitle(title), description, createdBy, createdAt },
  };
};

/**
 * The assignments a `task.assigned` carries: v1 one, v2 a list (a shuffle's chunk). Consumers
 * read both through it rather than upcast v1: no second validation per v1 event.
 */
export const assignmentsOf = (event: EnvelopeOf<'task.assigned'>): TaskAssignment[] =>
  event.version === 1 ? [event.data] : event.data.assignments;

/** Upcasters every consumer gets unless it passes its own. */
export const standardUpcasters: Upcasters = {
  'task.created': { 1: taskCreatedV1ToV2 },
};
