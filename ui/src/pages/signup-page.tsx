import type { FormEvent } from 'react';
import { useMutation } from 'urql';
import { SignUpDocument } from '../generated/operations.ts';
import { TextField } from '../components/field.tsx';
import { FormMessages } from '../components/status.tsx';
import { Link } from '../app/router.tsx';
import { session } from '../lib/session.ts';
import { checkNewUser, newUserInput } from '../lib/user-input.ts';
import { useForm } from '../lib/use-form-errors.ts';
import { AuthScreen } from './auth-screen.tsx';

export function SignUpPage() {
  const form = useForm({ login: '', name: '', email: '', password: '' });
  const { bind } = form;
  const [{ fetching }, signUp] = useMutation(SignUpDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form.check(checkNewUser(form.values))) return;
    const result = await signUp({ input: newUserInput(form.values) });
    if (result.data) session.signIn(result.data.signUp.token);
    else form.fromApi(result.error);
  }

  return (
    <AuthScreen title="Create your account">
      <form ref={form.formRef} className="form" onSubmit={submit} noValidate aria-busy={fetching}>
        <TextField
          label="Login"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          hint="3–32 letters, digits, “_”, “.” or “-”"
          {...bind('login')}
        />
        <TextField label="Name" autoComplete="name" required {...bind('name')} />
        <TextField label="Email" type="email" autoComplete="email" required {...bind('email')} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters"
          {...bind('password')}
        />
        <FormMessages messages={form.messages} />
        <button type="submit" className="button button--primary button--block" disabled={fetching}>
          {fetching ? 'Creating account…' : 'Sign up'}
        </button>
      </form>
      <p className="auth__switch">
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </AuthScreen>
  );
}
