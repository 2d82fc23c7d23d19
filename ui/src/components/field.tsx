import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';

interface FieldShellProps {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  required?: boolean | undefined;
  children: ReactNode;
}

function FieldShell({ id, label, hint, error, required, children }: FieldShellProps) {
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
        {required && (
          <span className="field__required" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {children}
      {hint && !error && (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      )}
      <p id={`${id}-error`} className="field__error" aria-live="polite">
        {error}
      </p>
    </div>
  );
}

function describedBy(id: string, hint: ReactNode, error: string | undefined): string {
  return error ? `${id}-error` : hint ? `${id}-hint` : '';
}

type Common = { label: string; hint?: ReactNode; error?: string | undefined; name: string };

export function TextField({
  label,
  hint,
  error,
  id,
  ...input
}: Common & InputHTMLAttributes<HTMLInputElement>) {
  const autoId = useId();
  const fieldId = id ?? `${input.name}-${autoId}`;
  return (
    <FieldShell id={fieldId} label={label} hint={hint} error={error} required={input.required}>
      <input
        id={fieldId}
        className="input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(fieldId, hint, error) || undefined}
        {...input}
      />
    </FieldShell>
  );
}

export function TextAreaField({
  label,
  hint,
  error,
  id,
  ...input
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const autoId = useId();
  const fieldId = id ?? `${input.name}-${autoId}`;
  return (
    <FieldShell id={fieldId} label={label} hint={hint} error={error} required={input.required}>
      <textarea
        id={fieldId}
        className="input input--area"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(fieldId, hint, error) || undefined}
        {...input}
      />
    </FieldShell>
  );
}

export function SelectField({
  label,
  hint,
  error,
  id,
  children,
  ...select
}: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  const autoId = useId();
  const fieldId = id ?? `${select.name}-${autoId}`;
  return (
    <FieldShell id={fieldId} label={label} hint={hint} error={error} required={select.required}>
      <select
        id={fieldId}
        className="input input--select"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(fieldId, hint, error) || undefined}
        {...select}
      >
        {children}
      </select>
    </FieldShell>
  );
}

/** Moves focus to the first invalid control of a form after a failed submit. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  const invalid = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  invalid?.focus();
}

/** A form's primary button, labelled with what it is doing while busy; `block` spans the form. */
export function SubmitButton({
  busy,
  busyLabel,
  block,
  children,
}: {
  busy: boolean;
  busyLabel?: string;
  block?: boolean;
  children: ReactNode;
}) {
  const button = (
    <button
      type="submit"
      className={`button button--primary${block ? ' button--block' : ''}`}
      disabled={busy}
    >
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
  return block ? button : <div className="form__actions">{button}</div>;
}

/** A login as people type it: no capital first letter, no spelling marks. */
export function LoginField(props: Omit<Common, 'label'> & InputHTMLAttributes<HTMLInputElement>) {
  return <TextField label="Login" autoCapitalize="none" spellCheck={false} required {...props} />;
}
