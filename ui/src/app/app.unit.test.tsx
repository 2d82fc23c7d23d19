import { render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ToastProvider } from '../components/toasts.tsx';
import { session } from '../lib/session.ts';
import { gqlError, stubApi } from '../test/stub-api.ts';
import { Shell } from './app.tsx';
import { ClientProvider } from './session.tsx';

const me = (role: string) => ({
  data: {
    me: { __typename: 'User', id: 'u-1', login: 'kiwi', name: 'Kiwi Popug', email: 'kiwi@popug.inc', role },
  },
});

function renderAt(path: string) {
  window.history.replaceState(null, '', path);
  render(
    <ClientProvider>
      <ToastProvider>
        <Shell />
      </ToastProvider>
    </ClientProvider>,
  );
}

describe('the signed-in shell', () => {
  it('offers a worker no accounting, analytics or admin, and says "not allowed" at /accounting', async () => {
    session.signIn('worker-token');
    stubApi({ Me: () => me('WORKER') });
    renderAt('/accounting');

    expect(await screen.findByRole('heading', { name: 'Not allowed' })).toBeTruthy();
    const nav = within(screen.getByRole('navigation', { name: 'Main' }));
    expect(nav.getAllByRole('link').map((a) => a.textContent)).toEqual(['Tasks', 'My tasks', 'My account']);
  });

  it('sends every request as a JSON POST with the bearer token', async () => {
    session.signIn('worker-token');
    const calls = stubApi({ Me: () => me('WORKER') });
    renderAt('/nowhere');

    await screen.findByRole('heading', { name: 'Page not found' });
    expect(calls[0]).toMatchObject({
      operationName: 'Me',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer worker-token' },
    });
  });

  it('drops the token and shows the log-in page when the API says UNAUTHENTICATED', async () => {
    session.signIn('expired-token');
    stubApi({ Me: () => gqlError('Token expired', { code: 'UNAUTHENTICATED' }) });
    renderAt('/my-tasks');

    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeTruthy();
    expect(screen.getByText(/your session has ended/i)).toBeTruthy();
    expect(session.token()).toBeNull();
    expect(window.localStorage.getItem('ates.session.token')).toBeNull();
    await waitFor(() => expect(window.location.search).toBe(`?next=${encodeURIComponent('/my-tasks')}`));
  });
});
