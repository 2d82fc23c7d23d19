import { z } from 'zod';

export interface DirectoryUser {
  userId: string;
  login: string;
  name: string;
  email: string;
}

/** Where the worker asks about a user it has not heard of from the users' events. */
export interface UserDirectory {
  /** The user, or undefined if the directory does not know them. Throws when it cannot answer. */
  find(userId: string): Promise<DirectoryUser | undefined>;
}

const QUERY = 'query EmailWorkerUser($id: ID!) { user(id: $id) { id login name email } }';

const answer = z.object({
  data: z
    .object({
      user: z.object({ id: z.string(), login: z.string(), name: z.string(), email: z.string() }).nullable(),
    })
    .nullable()
    .optional(),
  errors: z.array(z.object({ message: z.string() })).optional(),
});

export interface GraphQLUserDirectoryOptions {
  /** The User Service's (or the gateway's) GraphQL endpoint. */
  url: string;
  /** A bearer token allowed to read emails (an ADMIN's; `User.email` is ADMIN-or-self). */
  token: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Looks a user up in the User Service over GraphQL (`user(id)`); the fallback when events did not say. */
export function graphqlUserDirectory(options: GraphQLUserDirectoryOptions): UserDirectory {
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    async find(userId) {
      const response = await doFetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ query: QUERY, variables: { id: userId } }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const parsed = answer.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success)
        throw new Error(`User Service answered HTTP ${response.status} with an unreadable body`);
      const { data, errors } = parsed.data;
      if (errors?.length) throw new Error(`User Service: ${errors.map((e) => e.message).join('; ')}`);
      const user = data?.user;
      return user ? { userId: user.id, login: user.login, name: user.name, email: user.email } : undefined;
    },
  };
}
