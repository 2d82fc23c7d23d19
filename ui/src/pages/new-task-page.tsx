import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { CreateTaskDocument, type CreateTaskMutation } from '../generated/operations.ts';
import { Link } from '../app/router.tsx';
import { SubmitButton, TextAreaField, TextField } from '../components/field.tsx';
import { Page } from '../components/page-header.tsx';
import { FormMessages } from '../components/status.tsx';
import { checkNewTask, TITLE_MAX, type NewTaskFields } from '../lib/task-input.ts';
import { useForm } from '../lib/use-form-errors.ts';

const EMPTY: NewTaskFields = { title: '', jiraId: '', description: '' };

export function NewTaskPage() {
  const [created, setCreated] = useState<CreateTaskMutation['createTask'] | null>(null);
  return (
    <Page
      title="New task"
      lead="The task goes at once to a random popug, who is charged its fee."
      actions={
        <Link to="/tasks" className="button button--ghost">
          ← Back to dashboard
        </Link>
      }
    >
      {created && (
        <div className="notice notice--success" role="status">
          <div>
            <strong>Task created.</strong>{' '}
            <Link to={`/tasks/${encodeURIComponent(created.id)}`}>
              {created.jiraId ? `${created.jiraId} ` : ''}
              {created.title}
            </Link>{' '}
            is assigned to <strong>@{created.assignee.login}</strong>.
          </div>
        </div>
      )}
      <div className="card card--narrow">
        <CreateTaskForm onCreated={setCreated} />
      </div>
    </Page>
  );
}

export function CreateTaskForm({
  onCreated,
}: {
  onCreated: (task: CreateTaskMutation['createTask']) => void;
}) {
  const form = useForm(EMPTY);
  const { values, bind } = form;
  const [{ fetching }, createTask] = useMutation(CreateTaskDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form.check(checkNewTask(values))) return;
    const jiraId = values.jiraId.trim();
    const result = await createTask({
      input: {
        title: values.title.trim(),
        description: values.description.trim(),
        ...(jiraId ? { jiraId } : {}),
      },
    });
    if (result.data) {
      onCreated(result.data.createTask);
      form.clear();
    } else form.fromApi(result.error);
  }

  return (
    <form ref={form.formRef} className="form" onSubmit={submit} noValidate aria-busy={fetching}>
      <TextField
        label="Title"
        required
        maxLength={TITLE_MAX}
        hint="Without the Jira id: no “[” or “]”"
        {...bind('title')}
      />
      <TextField
        label="Jira id"
        placeholder="POPUG-42"
        autoCapitalize="characters"
        spellCheck={false}
        hint="Optional, e.g. POPUG-42"
        {...bind('jiraId')}
      />
      <TextAreaField label="Description" rows={5} {...bind('description')} />
      <FormMessages messages={form.messages} />
      <SubmitButton busy={fetching} busyLabel="Creating…">
        Create task
      </SubmitButton>
    </form>
  );
}
