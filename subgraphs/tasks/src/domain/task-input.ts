import { badInput, cleanText, type TextRule } from '@ates/service-kit';

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
export const JIRA_ID_MAX = 32;
/** A Jira issue key: project key (a capital, then capitals or digits), a dash, a number. */
export const JIRA_ID = /^[A-Z][A-Z0-9]{0,19}-[1-9][0-9]{0,9}$/;

/** Each field's rules, in one place (the SDL's descriptions say the same). */
export const TASK_RULES = {
  title: { field: 'title', label: 'Title', min: 1, max: TITLE_MAX, visible: true },
  jiraId: {
    field: 'jiraId',
    label: 'Jira id',
    max: JIRA_ID_MAX,
    pattern: { regex: JIRA_ID, message: 'Jira id must look like POPUG-42' },
  },
  description: {
    field: 'description',
    label: 'Description',
    max: DESCRIPTION_MAX,
    multiline: true,
    keepSpace: true,
  },
} satisfies Record<string, TextRule>;

/**
 * A task's fields as docs/business-rules.md#a-tasks-life states them: a title of 1–200 characters with a visible one and no
 * `[` or `]` (the Jira id no longer lives in the title), an optional Jira id like POPUG-42, a
 * description of at most 10,000 characters; all NFC, no control characters (lines allowed in
 * the description). Each problem is BAD_USER_INPUT naming its field.
 */
export function validateNewTask(input: NewTaskInput): ValidTask {
  const title = cleanText(input.title, TASK_RULES.title);
  if (/[[\]]/.test(title))
    throw badInput('title', 'Title must not contain "[" or "]": put the Jira id in jiraId');
  const jiraRaw = input.jiraId ?? '';
  const jiraId = jiraRaw.trim() === '' ? null : cleanText(jiraRaw, TASK_RULES.jiraId);
  const description = cleanText(input.description, TASK_RULES.description);
  return { title, jiraId, description };
}
