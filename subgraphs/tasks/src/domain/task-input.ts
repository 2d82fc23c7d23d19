import { badInput } from '@ates/service-kit';

export interface NewTaskInput {
  title: string;
  jiraId?: string | null;
  description: string;
}

export interface ValidTask {
  title: string;
  jiraId: string | null;
  description: string;
}

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 10_000;
export const JIRA_ID = /^[A-Z][A-Z0-9]*-[0-9]+$/;

/**
 * A task's fields as docs/business-rules.md#a-tasks-life states them: a title of 1–200 characters with no `[` or `]` (the Jira
 * id no longer lives in the title), an optional Jira id like POPUG-42, a description of at
 * most 10,000 characters. Each problem is BAD_USER_INPUT naming its field.
 */
export function validateNewTask(input: NewTaskInput): ValidTask {
  const title = input.title.trim();
  if (title.length < 1 || title.length > TITLE_MAX)
    throw badInput('title', `Title must be 1–${TITLE_MAX} characters`);
  if (/[[\]]/.test(title))
    throw badInput('title', 'Title must not contain "[" or "]": put the Jira id in jiraId');
  const jiraRaw = input.jiraId?.trim() ?? '';
  const jiraId = jiraRaw === '' ? null : jiraRaw;
  if (jiraId !== null && !JIRA_ID.test(jiraId)) throw badInput('jiraId', 'Jira id must look like POPUG-42');
  if (input.description.length > DESCRIPTION_MAX)
    throw badInput('description', `Description must be at most ${DESCRIPTION_MAX} characters`);
  return { title, jiraId, description: input.description };
}
