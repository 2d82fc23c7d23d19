import type { FormEvent, ReactNode, RefObject } from 'react';
import { SubmitButton } from '../components/field.tsx';
import { Logo } from '../components/logo.tsx';
import { FormMessages } from '../components/status.tsx';

/** The signed-out frame: a calm brand panel beside the form. */
export function AuthScreen({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth">
      <aside className="auth__panel" aria-hidden="true">
        <div className="auth__brand">
          <Logo size={44} />
          <span className="brand__name">PopugJira</span>
        </div>
        <p className="auth__tagline">Tasks, fees and rewards for every popug of UberPopug&nbsp;Inc.</p>
        <ul className="auth__points">
          <li>See every task and who has it</li>
          <li>Your balance updates the moment a task moves</li>
          <li>Payouts land at the end of each day</li>
        </ul>
      </aside>
      <main className="auth__main" id="main">
        <div className="auth__card">
          <div className="auth__mobile-brand">
            <Logo size={36} />
            <span className="brand__name">PopugJira</span>
          </div>
          <h1 className="auth__title">{title}</h1>
          {children}
        </div>
      </main>
    </div>
  );
}

interface AuthFormProps {
  form: { formRef: RefObject<HTMLFormElement | null>; messages: string[] };
  busy: boolean;
  onSubmit: (event: FormEvent) => void;
  /** The button's text, which says what it is doing while busy. */
  label: string;
  children: ReactNode;
}

/** Log-in and sign-up: their fields, the form's messages and the button. */
export function AuthForm({ form, busy, onSubmit, label, children }: AuthFormProps) {
  return (
    <form ref={form.formRef} className="form" onSubmit={onSubmit} noValidate aria-busy={busy}>
      {children}
      <FormMessages messages={form.messages} />
      <SubmitButton busy={busy} block>
        {label}
      </SubmitButton>
    </form>
  );
}
