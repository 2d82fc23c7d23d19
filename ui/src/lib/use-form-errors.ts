import { useCallback, useEffect, useRef, useState } from 'react';
import type { CombinedError } from '@urql/core';
import { describeError, type ErrorView } from './errors.ts';

/**
 * Errors of one form: per-field messages (from local checks or from the API's
 * `extensions.field`) and form-level messages. After each failed submit, focus moves to the
 * first invalid field; editing a field clears its message.
 */
export function useFormErrors() {
  const formRef = useRef<HTMLFormElement>(null);
  const [view, setView] = useState<ErrorView | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (attempt === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [attempt]);

  const fromApi = useCallback((error: CombinedError | undefined) => {
    setView(describeError(error));
    setAttempt((n) => n + 1);
  }, []);

  /** Local checks; returns true when there is nothing to report. */
  const check = useCallback((fields: Record<string, string | null | undefined | false>) => {
    const found = Object.fromEntries(
      Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    if (Object.keys(found).length === 0) {
      setView(null);
      return true;
    }
    setView({ code: 'LOCAL', fields: found, messages: [] });
    setAttempt((n) => n + 1);
    return false;
  }, []);

  const clearField = useCallback((name: string) => {
    setView((current) => {
      if (!current?.fields[name]) return current;
      const fields = { ...current.fields };
      delete fields[name];
      return { ...current, fields };
    });
  }, []);

  const reset = useCallback(() => setView(null), []);

  return {
    formRef,
    fields: view?.fields ?? {},
    messages: view?.messages ?? [],
    fromApi,
    check,
    clearField,
    reset,
  };
}

/** A form's text values with its errors: `bind(name)` gives a field its value, message and onChange. */
export function useForm<T extends { [K in keyof T]: string }>(initial: T) {
  const errors = useFormErrors();
  const [values, setValues] = useState<T>(initial);
  const bind = (name: keyof T & string) => ({
    name,
    value: values[name],
    error: errors.fields[name],
    onChange: (e: { target: { value: string } }) => {
      setValues((v) => ({ ...v, [name]: e.target.value }));
      errors.clearField(name);
    },
  });
  /** After a success: the initial values, no messages. */
  const clear = () => {
    setValues(initial);
    errors.reset();
  };
  return { ...errors, values, setValues, bind, clear };
}
