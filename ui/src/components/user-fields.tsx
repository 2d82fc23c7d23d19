import type { NewUserFields } from '../lib/user-input.ts';
import { LoginField, TextField } from './field.tsx';

type Bind = (name: keyof NewUserFields) => {
  name: string;
  value: string;
  error: string | undefined;
  onChange: (e: { target: { value: string } }) => void;
};

/**
 * A new user's login, name, email and password. `own`: people signing themselves up, whose
 * browser may fill in their details; an admin creating someone else's account gets no autofill.
 */
export function NewUserFieldset({ bind, own }: { bind: Bind; own: boolean }) {
  return (
    <>
      <LoginField
        autoComplete={own ? 'username' : 'off'}
        hint={own ? '3–32 letters, digits, “_”, “.” or “-”' : undefined}
        {...bind('login')}
      />
      <TextField label="Name" autoComplete={own ? 'name' : 'off'} required {...bind('name')} />
      <TextField
        label="Email"
        type="email"
        autoComplete={own ? 'email' : 'off'}
        required
        {...bind('email')}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 8 characters"
        {...bind('password')}
      />
    </>
  );
}
