import { createContext, useContext } from 'react';
import type { MeQuery } from '../generated/operations.ts';

export type CurrentUser = NonNullable<MeQuery['me']>;

export const CurrentUserContext = createContext<CurrentUser | null>(null);

/** The signed-in user (from `Me`); only rendered inside the signed-in shell. */
export function useCurrentUser(): CurrentUser {
  const user = useContext(CurrentUserContext);
  if (!user) throw new Error('useCurrentUser outside the signed-in shell');
  return user;
}
