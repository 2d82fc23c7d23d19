/**
 * Local checks for a new user, mirroring the users service so most mistakes are caught before
 * a round trip; the service stays the authority and its field errors are shown the same way.
 */
export interface NewUserFields {
  login: string;
  name: string;
  email: string;
  password: string;
}

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const PASSWORD_MIN = 8;

export function checkNewUser(values: NewUserFields): Record<keyof NewUserFields, string | null> {
  const login = values.login.trim();
  const name = values.name.trim();
  const email = values.email.trim();
  return {
    login: !login
      ? 'Enter a login'
      : !LOGIN.test(login)
        ? 'Use 3–32 letters, digits, “_”, “.” or “-”, starting with a letter or digit'
        : null,
    name: !name ? 'Enter a name' : name.length > 100 ? 'Use at most 100 characters' : null,
    email: !email ? 'Enter an email address' : !EMAIL.test(email) ? 'Enter a valid email address' : null,
    password: values.password.length < PASSWORD_MIN ? `Use at least ${PASSWORD_MIN} characters` : null,
  };
}

/** What the API takes for a new user: names trimmed, the password as typed. */
export const newUserInput = (values: NewUserFields): NewUserFields => ({
  login: values.login.trim(),
  name: values.name.trim(),
  email: values.email.trim(),
  password: values.password,
});
