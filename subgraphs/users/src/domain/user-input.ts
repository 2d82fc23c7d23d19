import { badInput, isRole, type Role } from '@ates/service-kit';

export interface NewUserInput {
  login: string;
  name: string;
  email: string;
  password: string;
  role: Role;
}

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
// Deliberately simple: one @, no spaces, a dot in the domain. Delivery proves the rest.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;

/**
 * Checks and normalizes a new user's fields. Each problem is a BAD_USER_INPUT naming its
 * field (the first one found, in the order of the form). The password policy is off only for
 * the configured seed admin (development's `admin`/`admin`).
 */
export function validateNewUser(input: NewUserInput, options: { passwordPolicy: boolean }): NewUserInput {
  const login = input.login.trim();
  if (!LOGIN.test(login))
    throw badInput(
      'login',
      'Login must be 3–32 characters: letters, digits, "_", "." or "-", starting with a letter or digit',
    );
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) throw badInput('name', 'Name must be 1–100 characters');
  const email = input.email.trim();
  if (email.length > 254 || !EMAIL.test(email)) throw badInput('email', 'Email must be a valid address');
  const tooShort = options.passwordPolicy
    ? input.password.length < PASSWORD_MIN
    : input.password.length === 0;
  if (tooShort || input.password.length > PASSWORD_MAX)
    throw badInput('password', `Password must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
  if (!isRole(input.role)) throw badInput('role', 'Unknown role');
  return { login, name, email, password: input.password, role: input.role };
}
