import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ClientProvider } from '../app/session.tsx';
import { session } from '../lib/session.ts';
import { gqlError, stubApi } from '../test/stub-api.ts';
import { CreateTaskForm } from './new-task-page.tsx';

function renderForm(onCreated = vi.fn()) {
  session.signIn('token-1');
  render(
    <ClientProvider>
      <CreateTaskForm onCreated={onCreated} />
    </ClientProvider>,
  );
  return onCreated;
}

const type = (label: RegExp, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('the create-task form', () => {
  it('shows the API field error inline, marks the field invalid and focuses it', async () => {
    const calls = stubApi({
      CreateTask: () =>
        gqlError('Jira id POPUG-1 is already used', { code: 'BAD_USER_INPUT', field: 'jiraId' }),
    });
    renderForm();
    type(/^title/i, 'Feed the popugs');
    type(/^jira id/i, 'POPUG-1');
    fireEvent.click(screen.getByRole('button', { name: 'Create task' }));

    const jiraId = screen.getByLabelText(/^jira id/i);
    await waitFor(() => expect(jiraId.getAttribute('aria-invalid')).toBe('true'));
    expect(jiraId.getAttribute('aria-describedby')).toBeTruthy();
    const describedBy = document.getElementById(jiraId.getAttribute('aria-describedby') ?? '');
    expect(describedBy?.textContent).toBe('Jira id POPUG-1 is already used');
    // Focus moves in an effect after the render that marked the field: wait for it.
    await waitFor(() => expect(document.activeElement).toBe(jiraId));
    expect(calls[0]?.variables).toEqual({
      input: { title: 'Feed the popugs', jiraId: 'POPUG-1', description: '' },
    });
  });

  it('catches a title with brackets before calling the API', async () => {
    const calls = stubApi({});
    renderForm();
    type(/^title/i, '[POPUG-42] Feed the popugs');
    fireEvent.click(screen.getByRole('button', { name: 'Create task' }));

    await waitFor(() => expect(screen.getByLabelText(/^title/i).getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText(/put the Jira id in its own field/)).toBeTruthy();
    expect(calls).toHaveLength(0);
  });

  it('reports the created task and clears the form', async () => {
    stubApi({
      CreateTask: ({ input }) => ({
        data: {
          createTask: {
            __typename: 'Task',
            id: 't-1',
            jiraId: null,
            title: (input as { title: string }).title,
            description: '',
            status: 'OPEN',
            createdAt: '2026-11-24T09:30:00.000Z',
            assignee: { __typename: 'User', id: 'u-2', login: 'kiwi', role: 'WORKER' },
            createdBy: { __typename: 'User', id: 'u-1', login: 'admin' },
          },
        },
      }),
    });
    const onCreated = renderForm();
    type(/^title/i, 'Feed the popugs');
    fireEvent.click(screen.getByRole('button', { name: 'Create task' }));

    await waitFor(() => expect(onCreated).toHaveBeenCalledOnce());
    expect(onCreated.mock.calls[0]?.[0]).toMatchObject({
      title: 'Feed the popugs',
      assignee: { login: 'kiwi' },
    });
    expect(screen.getByLabelText(/^title/i)).toHaveProperty('value', '');
  });
});
