import { DateTimeScalar, forbidden, requireRole, requireViewer } from '@ates/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { canSeeEmail, USER_LISTERS } from '../domain/permissions.ts';
import { listUsers } from '../db/user-repository.ts';
import { changeRole } from '../use-cases/change-role.ts';
import { createUser } from '../use-cases/create-user.ts';
import { logIn } from '../use-cases/log-in.ts';
import { signUp } from '../use-cases/sign-up.ts';
import { changePassword } from '../use-cases/change-password.ts';
import { logOut, refreshSession } from '../use-cases/tokens.ts';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    me: (_, __, { viewer, userById }) => (viewer ? userById.load(viewer.userId) : null),
    users: (_, { role }, { viewer, deps }) => {
      requireRole(viewer, USER_LISTERS);
      return listUsers(deps.db, role ?? undefined);
    },
    user: (_, { id }, { viewer, userById }) => {
      requireViewer(viewer);
      return userById.load(id);
    },
  },
  Mutation: {
    signUp: async (_, { input }, ctx) => {
      const result = await signUp(ctx.deps, input);
      ctx.authenticatedNow = result.user.id;
      return result;
    },
    logIn: async (_, { login, password }, ctx) => {
      const result = await logIn(ctx.deps, login, password, ctx.clientAddress);
      ctx.authenticatedNow = result.user.id;
      return result;
    },
    createUser: (_, { input }, { viewer, deps }) => createUser(deps, viewer, input),
    changeRole: (_, { userId, role }, { viewer, deps }) => changeRole(deps, viewer, userId, role),
    refreshToken: async (_, { refreshToken }, ctx) => {
      const result = await refreshSession(ctx.deps, refreshToken);
      ctx.authenticatedNow = result.user.id;
      return result;
    },
    logOut: (_, { refreshToken }, { deps }) => logOut(deps, refreshToken),
    changePassword: (_, { currentPassword, newPassword }, { viewer, deps, clientAddress }) =>
      changePassword(deps, viewer, currentPassword, newPassword, clientAddress),
  },
  User: {
    // Profiles are for logged-in users only: an anonymous `_entities` call gets nothing.
    __resolveReference: (ref, { viewer, userById }) => {
      requireViewer(viewer);
      return userById.load(ref.id);
    },
    email: (user, _, { viewer, authenticatedNow }) => {
      if (authenticatedNow !== user.id && !canSeeEmail(viewer, user.id))
        throw forbidden("Only the user themself and ADMIN may see a user's email");
      return user.email;
    },
  },
};
