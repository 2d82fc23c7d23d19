/** Local checks for a new task, mirroring the tasks service (the service stays the authority). */
export interface NewTaskFields {
  title: string;
  jiraId: string;
  description: string;
}

export const TITLE_MAX = 200;
export const JIRA_ID = /^[A-Z][A-Z0-9]*-[0-9]+$/;

export function checkNewTask(values: NewTaskFields): Record<keyof NewTaskFields, string | null> {
  const title = values.title.trim();
  const jiraId = values.jiraId.trim();
  return {
    title: !title
      ? 'Enter a title'
      : title.length > TITLE_MAX
        ? `Use at most ${TITLE_MAX} characters`
        : /[[\]]/.test(title)
          ? 'Leave out “[” and “]”: put the Jira id in its own field'
          : null,
    jiraId: jiraId && !JIRA_ID.test(jiraId) ? 'Use the form POPUG-42: capital letters, a dash, digits' : null,
    description: null,
  };
}
