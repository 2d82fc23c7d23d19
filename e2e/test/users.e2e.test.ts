import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, generateTestKeys, GraphQLClient, ops, signRawToken } from '@ates/testing';
import { ADMIN, startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;
let admin: GraphQLClient;
let seq = 0;

/** A unique popug per test: tests own their data, nothing is wiped between them. */
function newPopug(prefix = 'popug') {
  seq += 1;
  const login = `${prefix}${seq}${Math.random().toString(36).slice(2, 7)}`;
  return { login, name: `Popug ${login}`, email: `${login}@ates.test`, password: 'correct-horse-1' };
}

async function signUp(input = newPopug()) {
  const data = await system.client.ok(ops.SignUpDocument, { input });
  return { ...data.signUp, input, client: system.client.withToken(data.signUp.token) };
}

beforeAll(async () => {
  system = await startSystem('users');
  admin = await system.admin();
});
afterAll(async () => {
  await system?.stop();
});

describe('sign-up and log-in', () => {
  it('signs up a WORKER whose token answers `me` with their own email', async () => {
    const { user, client, input } = await signUp();
    expect(user).toMatchObject({ login: input.login, name: input.name, email: input.email, role: 'WORKER' });
    const me = await client.ok(ops.MeDocument);
    expect(me.me).toEqual({
      id: user.id,
      login: input.login,
      name: input.name,
      email: input.email,
      role: 'WORKER',
    });
  });

  it('logs in the seeded admin through the gateway', async () => {
    const data = await system.client.ok(ops.LogInDocument, ADMIN);
    expect(data.logIn.user).toMatchObject({ login: 'admin', role: 'ADMIN' });
    const me = await system.client.withToken(data.logIn.token).ok(ops.MeDocument);
    expect(me.me?.role).toBe('ADMIN');
  });

  it('logs in regardless of the case of the login', async () => {
    const { input } = await signUp();
    const res = await system.client.request(ops.LogInDocument, {
      login: input.login.toUpperCase(),
      password: input.password,
    });
    expect(res.data?.logIn.user.login).toBe(input.login);
  });

  it('refuses a wrong password and an unknown login alike with UNAUTHENTICATED', async () => {
    const { input } = await signUp();
    const wrong = await system.client.request(ops.LogInDocument, {
      login: input.login,
      password: 'wrong-password',
    });
    const unknown = await system.client.request(ops.LogInDocument, {
      login: 'nobody-here',
      password: 'wrong-password',
    });
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });

  it('answers `me` with null for an anonymous request', async () => {
    const res = await system.client.ok(ops.MeDocument);
    expect(res.me).toBeNull();
  });

  it('refuses a duplicate login or email with CONFLICT naming the field, case-insensitively', async () => {
    const { input } = await signUp();
    const sameLogin = await system.client.request(ops.SignUpDocument, {
      input: { ...newPopug(), login: input.login.toUpperCase() },
    });
    expect(errorCodes(sameLogin)).toEqual(['CONFLICT']);
    expect(sameLogin.errors?.[0]?.extensions?.field).toBe('login');
    const sameEmail = await system.client.request(ops.SignUpDocument, {
      input: { ...newPopug(), email: input.email.toUpperCase() },
    });
    expect(errorCodes(sameEmail)).toEqual(['CONFLICT']);
    expect(sameEmail.errors?.[0]?.extensions?.field).toBe('email');
  });

  it('lets exactly one of two concurrent sign-ups with the same login win', async () => {
    const input = newPopug();
    const results = await Promise.all([
      system.client.request(ops.SignUpDocument, { input }),
      system.client.request(ops.SignUpDocument, { input: { ...input, email: `other-${input.email}` } }),
    ]);
    expect(results.filter((r) => r.data?.signUp).length).toBe(1);
    expect(results.flatMap(errorCodes)).toEqual(['CONFLICT']);
  });

  it.each([
    ['login', { login: 'x' }],
    ['login', { login: 'has space' }],
    ['name', { name: '   ' }],
    ['email', { email: 'not-an-email' }],
    ['password', { password: 'short' }],
  ])('refuses an invalid %s with BAD_USER_INPUT naming it and creates nothing', async (field, patch) => {
    const input = { ...newPopug(), ...patch };
    const res = await system.client.request(ops.SignUpDocument, { input });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.field).toBe(field);
    const all = await admin.ok(ops.UsersDocument, {});
    expect(all.users.some((u) => u.login === input.login)).toBe(false);
  });
});

describe('tokens', () => {
  it('refuses a token signed with another key (forged) with UNAUTHENTICATED', async () => {
    const { user } = await signUp();
    const forger = generateTestKeys();
    const now = Math.floor(Date.now() / 1000);
    const token = await signRawToken(
      forger.privateKeyPem,
      { role: 'ADMIN' },
      { issuedAt: now, expiresAt: now + 600, subject: user.id },
    );
    const res = await system.client.withToken(token).request(ops.MeDocument);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.status).toBe(401);
  });

  it('refuses an expired token with UNAUTHENTICATED', async () => {
    const { user } = await signUp();
    const now = Math.floor(Date.now() / 1000);
    const token = await signRawToken(
      system.keys.privateKeyPem,
      { role: 'WORKER' },
      { issuedAt: now - 7200, expiresAt: now - 3600, subject: user.id },
    );
    const res = await system.client.withToken(token).request(ops.MeDocument);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.errors?.[0]?.message).toMatch(/expired/i);
  });

  it('refuses malformed and unsigned (alg: none) tokens with UNAUTHENTICATED', async () => {
    const { user } = await signUp();
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: user.id, role: 'ADMIN', iss: 'ates', aud: 'ates', exp: now + 600 })}.`;
    for (const token of ['garbage', 'a.b.c', unsigned]) {
      const res = await system.client.withToken(token).request(ops.MeDocument);
      expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('refuses a token with an unknown role claim', async () => {
    const { user } = await signUp();
    const now = Math.floor(Date.now() / 1000);
    const token = await signRawToken(
      system.keys.privateKeyPem,
      { role: 'OVERLORD' },
      { issuedAt: now, expiresAt: now + 600, subject: user.id },
    );
    expect(errorCodes(await system.client.withToken(token).request(ops.MeDocument))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});

describe('permissions', () => {
  it('shows every logged-in user the public profile of any user', async () => {
    const a = await signUp();
    const b = await signUp();
    const res = await a.client.ok('query($id: ID!) { user(id: $id) { id login name role createdAt } }', {
      id: b.user.id,
    });
    expect(res).toMatchObject({ user: { id: b.user.id, login: b.input.login, role: 'WORKER' } });
  });

  it("forbids a worker to read another user's email, but not their own", async () => {
    const a = await signUp();
    const b = await signUp();
    const other = await a.client.request('query($id: ID!) { user(id: $id) { login email } }', {
      id: b.user.id,
    });
    expect(errorCodes(other)).toEqual(['FORBIDDEN']);
    const own = await a.client.ok('query($id: ID!) { user(id: $id) { email } }', { id: a.user.id });
    expect(own).toEqual({ user: { email: a.input.email } });
  });

  it("lets ADMIN read anyone's email", async () => {
    const b = await signUp();
    const res = await admin.ok('query($id: ID!) { user(id: $id) { email } }', { id: b.user.id });
    expect(res).toEqual({ user: { email: b.input.email } });
  });

  it('answers null for an unknown or malformed user id', async () => {
    const a = await signUp();
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await a.client.ok('query($id: ID!) { user(id: $id) { id } }', { id });
      expect(res).toEqual({ user: null });
    }
  });

  it('refuses profiles to anonymous callers', async () => {
    const b = await signUp();
    const res = await system.client.request('query($id: ID!) { user(id: $id) { login } }', { id: b.user.id });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('forbids a worker to list users, create users or change roles', async () => {
    const w = await signUp();
    expect(errorCodes(await w.client.request(ops.UsersDocument, {}))).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(await w.client.request(ops.CreateUserDocument, { input: { ...newPopug(), role: 'ADMIN' } })),
    ).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(await w.client.request(ops.ChangeRoleDocument, { userId: w.user.id, role: 'ADMIN' })),
    ).toEqual(['FORBIDDEN']);
    const me = await w.client.ok(ops.MeDocument);
    expect(me.me?.role).toBe('WORKER');
  });

  it('lets ADMIN create a user with any role, who can then log in with it', async () => {
    const input = { ...newPopug('acc'), role: 'ACCOUNTANT' as const };
    const created = await admin.ok(ops.CreateUserDocument, { input });
    expect(created.createUser).toMatchObject({ login: input.login, email: input.email, role: 'ACCOUNTANT' });
    const client = await system.logIn(input.login, input.password);
    expect((await client.ok(ops.MeDocument)).me?.role).toBe('ACCOUNTANT');
  });

  it('lists users for ADMIN, MANAGER and ACCOUNTANT, filtered by role', async () => {
    const manager = { ...newPopug('mgr'), role: 'MANAGER' as const };
    await admin.ok(ops.CreateUserDocument, { input: manager });
    const managerClient = await system.logIn(manager.login, manager.password);
    const all = await managerClient.ok(ops.UsersDocument, {});
    expect(all.users.length).toBeGreaterThan(1);
    const managers = await managerClient.ok(ops.UsersDocument, { role: 'MANAGER' });
    expect(managers.users.every((u) => u.role === 'MANAGER')).toBe(true);
    expect(managers.users.some((u) => u.login === manager.login)).toBe(true);
  });

  it('applies a role change to tokens issued after it', async () => {
    const w = await signUp();
    const changed = await admin.ok(ops.ChangeRoleDocument, { userId: w.user.id, role: 'MANAGER' });
    expect(changed.changeRole).toEqual({ id: w.user.id, role: 'MANAGER' });
    const fresh = await system.logIn(w.input.login, w.input.password);
    expect((await fresh.ok(ops.UsersDocument, {})).users.length).toBeGreaterThan(0);
  });

  it('refuses a role change of an unknown user with NOT_FOUND', async () => {
    const res = await admin.request(ops.ChangeRoleDocument, {
      userId: '00000000-0000-4000-8000-000000000000',
      role: 'WORKER',
    });
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
  });

  it('never demotes the last ADMIN', async () => {
    const me = await admin.ok(ops.MeDocument);
    const res = await admin.request(ops.ChangeRoleDocument, { userId: me.me!.id, role: 'WORKER' });
    expect(errorCodes(res)).toEqual(['FAILED_PRECONDITION']);
  });
});

describe('a subgraph called directly, without the gateway', () => {
  it('reveals no profile or email to a caller without a token', async () => {
    const b = await signUp();
    const direct = new GraphQLClient(system.users.url);
    const entities = await direct.request(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { login email } } }',
      { r: [{ __typename: 'User', id: b.user.id }] },
    );
    expect(JSON.stringify(entities.data ?? {})).not.toContain(b.input.login);
    expect(errorCodes(entities)).toContain('UNAUTHENTICATED');
    expect(errorCodes(await direct.request(ops.UsersDocument, {}))).toEqual(['UNAUTHENTICATED']);
    expect((await direct.ok(ops.MeDocument)).me).toBeNull();
  });

  it('verifies tokens itself: a forged one is refused', async () => {
    const forger = generateTestKeys();
    const now = Math.floor(Date.now() / 1000);
    const token = await signRawToken(
      forger.privateKeyPem,
      { role: 'ADMIN' },
      { issuedAt: now, expiresAt: now + 600, subject: 'x' },
    );
    const direct = new GraphQLClient(system.users.url, token);
    expect(errorCodes(await direct.request(ops.UsersDocument, {}))).toEqual(['UNAUTHENTICATED']);
  });
});
