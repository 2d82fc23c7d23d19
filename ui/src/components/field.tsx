import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';

type Common = { label: string; hint?: ReactNode; error?: string | undefined; name: string };

type ControlProps = { id: string; 'aria-invalid': true | undefined; 'aria-describedby': string | undefined };

interface FieldProps extends Omit<Common, 'name'> {
  name: string | undefined;
  id: string | undefined;
  required: boolean | undefined;
  /** The control, given the id and ARIA attributes that tie it to its label, hint and error. */
  control: (props: ControlProps) => ReactNode;
}

function Field({ label, hint, error, id, name, required, control }: FieldProps) {
  const autoId = useId();
  const fieldId = id ?? `${name}-${autoId}`;
  const described = error ? `${fieldId}-error` : hint ? `${fieldId}-hint` : undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={fieldId} className="field__label">
        {label}
        {required && (
          <span className="field__required" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {control({ id: fieldId, 'aria-invalid': error ? true : undefined, 'aria-describedby': described })}
      {hint && !error && (
        <p id={`${fieldId}-hint`} className="field__hint">
          {hint}
        </p>
      )}
      <p id={`${fieldId}-error`} className="field__error" aria-live="polite">
        {error}
      </p>
    </div>
  );
}

/** A field's own props, and the rest for its control. */
function split<P extends Common & { id?: string | undefined; required?: boolean | undefined }>(props: P) {
  const { label, hint, error, id, ...control } = props;
  return [{ label, hint, error, id, name: control.name, required: control.required }, control] as const;
}

export function TextField(props: Common & InputHTMLAttributes<HTMLInputElement>) {
  const [field, input] = split(props);
  return <Field {...field} control={(control) => <input className="input" {...control} {...input} />} />;
}

export function TextAreaField(props: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const [field, area] = split(props);
  const render = (control: ControlProps) => <textarea className="input input--area" {...control} {...area} />;
  return <Field {...field} control={render} />;
}

export function SelectField(props: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  const [field, select] = split(props);
  const render = (control: ControlProps) => (
    <select className="input input--select" {...control} {...select} />
  );
  return <Field {...field} control={render} />;
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
