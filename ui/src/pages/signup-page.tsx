import type { FormEvent } from 'react';
import { useMutation } from 'urql';
import { SignUpDocument } from '../generated/operations.ts';
import { NewUserFieldset } from '../components/user-fields.tsx';
import { Link } from '../app/router.tsx';
import { session } from '../lib/session.ts';
import { checkNewUser, newUserInput } from '../lib/user-input.ts';
import { useForm } from '../lib/use-form-errors.ts';
import { AuthForm, AuthScreen } from './auth-screen.tsx';

export function SignUpPage() {
  const form = useForm({ login: '', name: '', email: '', password: '' });
  const [{ fetching }, signUp] = useMutation(SignUpDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form.check(checkNewUser(form.values))) return;
    const result = await signUp({ input: newUserInput(form.values) });
    if (result.data)
      session.signIn({ ...result.data.signUp, expiresAt: String(result.data.signUp.expiresAt) });
    else form.fromApi(result.error);
  }

  const label = fetching ? 'Creating account…' : 'Sign up';
  return (
    <AuthScreen title="Create your account">
      <AuthForm form={form} busy={fetching} onSubmit={submit} label={label}>
        <NewUserFieldset bind={form.bind} own />
      </AuthForm>
      <p className="auth__switch">
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </AuthScreen>
  );
}
