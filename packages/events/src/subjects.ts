/**
 * The producing domains; each owns one JetStream stream and the subjects `<domain>.>`.
 * `jobs` is the work queue (e.g. `jobs.email.requested`): each message is taken by one consumer.
 */
export const DOMAINS = ['users', 'tasks', 'accounting', 'jobs'] as const;
export type Domain = (typeof DOMAINS)[number];

export function isDomain(value: string): value is Domain {
  return (DOMAINS as readonly string[]).includes(value);
}

/** Joins an optional namespace (tests, side-by-side environments) in front of a subject. */
export function withNamespace(namespace: string | undefined, subject: string): string {
  return namespace ? `${namespace}.${subject}` : subject;
}

/** `users.user.created`, or `<namespace>.users.user.created`. */
export function subjectForDomain(namespace: string | undefined, domain: Domain, type: string): string {
  return withNamespace(namespace, `${domain}.${type}`);
}

/** Stream names are upper case; a namespace becomes a prefix: `T3FA2C91B20E_USERS`. */
export function streamName(namespace: string | undefined, name: string): string {
  const base = name.toUpperCase();
  return namespace ? `${namespace.toUpperCase()}_${base}` : base;
}
