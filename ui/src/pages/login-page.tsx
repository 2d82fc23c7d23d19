import type { FormEvent } from 'react';
import { useMutation } from 'urql';
import { LogInDocument } from '../generated/operations.ts';
import { LoginField, TextField } from '../components/field.tsx';
import { Link } from '../app/router.tsx';
import { sessionExpired } from '../app/session.tsx';
import { session } from '../lib/session.ts';
import { useForm } from '../lib/use-form-errors.ts';
import { AuthForm, AuthScreen } from './auth-screen.tsx';

export function LoginPage() {
  const form = useForm({ login: '', password: '' });
  const { login, password } = form.values;
  const [{ fetching }, logIn] = useMutation(LogInDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = form.check({
      login: !login.trim() && 'Enter your login',
      password: !password && 'Enter your password',
    });
    if (!ok) return;
    const result = await logIn({ login: login.trim(), password });
    if (result.data) session.signIn({ ...result.data.logIn, expiresAt: String(result.data.logIn.expiresAt) });
    else form.fromApi(result.error);
  }

  const label = fetching ? 'Logging in…' : 'Log in';
  return (
    <AuthScreen title="Log in">
      {sessionExpired() && (
        <p className="notice notice--info" role="status">
          Your session has ended. Please log in again.
        </p>
      )}
      <AuthForm form={form} busy={fetching} onSubmit={submit} label={label}>
        <LoginField autoComplete="username" {...form.bind('login')} />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          {...form.bind('password')}
        />
      </AuthForm>
      <p className="auth__switch">
        New popug? <Link to="/signup">Create an account</Link>
      </p>
    </AuthScreen>
  );
}
