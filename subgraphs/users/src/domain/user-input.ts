import { badInput, cleanText, isRole, type Role, type TextRule } from '@ates/service-kit';

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

/** Each field's rules, in one place (the SDL's descriptions say the same). */
export const USER_RULES = {
  login: {
    field: 'login',
    label: 'Login',
    max: 32,
    pattern: {
      regex: LOGIN,
      message:
        'Login must be 3–32 characters: letters, digits, "_", "." or "-", starting with a letter or digit',
    },
  },
  name: { field: 'name', label: 'Name', min: 1, max: 100, visible: true },
  email: {
    field: 'email',
    label: 'Email',
    max: 254,
    pattern: { regex: EMAIL, message: 'Email must be a valid address' },
  },
} satisfies Record<string, TextRule>;

/**
 * What log-in accepts before any work: a login that could exist and a password within the
 * policy's length (a megabyte of password would cost scrypt's time and a throttle row).
 */
export function checkCredentials(login: string, password: string): void {
  if (login.length > 64 || /\p{Cc}/u.test(login))
    throw badInput('login', 'Login must be at most 32 characters');
  if (password.length > PASSWORD_MAX)
    throw badInput('password', `Password must be at most ${PASSWORD_MAX} characters`);
}

/**
 * Checks and normalizes a new user's fields (NFC, no control characters, lengths, formats). Each problem is a BAD_USER_INPUT naming its
 * field (the first one found, in the order of the form). The password policy is off only for
 * the configured seed admin (development's `admin`/`admin`).
 */
export function validateNewUser(input: NewUserInput, options: { passwordPolicy: boolean }): NewUserInput {
  const login = cleanText(input.login, USER_RULES.login);
  const name = cleanText(input.name, USER_RULES.name);
  const email = cleanText(input.email, USER_RULES.email);
  const tooShort = options.passwordPolicy
    ? input.password.length < PASSWORD_MIN
    : input.password.length === 0;
  if (tooShort || input.password.length > PASSWORD_MAX)
    throw badInput('password', `Password must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
  if (!isRole(input.role)) throw badInput('role', 'Unknown role');
  return { login, name, email, password: input.password, role: input.role };
}

/** A new password: the same policy as at sign-up, named `newPassword`. */
export function checkNewPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX)
    throw badInput('newPassword', `Password must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
}
