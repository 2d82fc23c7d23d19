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

  it('renews an access token about to expire before sending, silently and once', async () => {
    session.signIn({
      token: 'old-token',
      refreshToken: 'refresh-1',
      expiresAt: new Date(Date.now() + 10_000).toISOString(),
    });
    const calls = stubApi({
      RefreshToken: () => ({
        data: {
          refreshToken: {
            __typename: 'AuthPayload',
            token: 'new-token',
            refreshToken: 'refresh-2',
            expiresAt: new Date(Date.now() + 900_000).toISOString(),
            user: { __typename: 'User', id: 'u-1', login: 'kiwi', role: 'WORKER' },
          },
        },
      }),
      Me: () => me('WORKER'),
    });
    renderAt('/nowhere');

    await screen.findByRole('heading', { name: 'Page not found' });
    expect(calls.map((c) => c.operationName)).toEqual(['RefreshToken', 'Me']);
    expect(calls[0]?.variables).toEqual({ refreshToken: 'refresh-1' });
    expect(calls[1]?.headers.authorization).toBe('Bearer new-token');
    expect(session.token()).toBe('new-token');
    expect(session.refreshToken()).toBe('refresh-2');
  });

  it('ends the session when a refused token cannot be renewed (revoked)', async () => {
    session.signIn({
      token: 'revoked-token',
      refreshToken: 'revoked-refresh',
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    });
    stubApi({
      Me: () => gqlError('Token revoked: log in again', { code: 'UNAUTHENTICATED' }),
      RefreshToken: () => gqlError('Invalid refresh token: log in again', { code: 'UNAUTHENTICATED' }),
    });
    renderAt('/my-tasks');

    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeTruthy();
    expect(session.token()).toBeNull();
  });
});
