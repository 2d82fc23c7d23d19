import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  ChangeRoleDocument,
  CloseBillingDayDocument,
  CreateUserDocument,
  UsersDocument,
  type CloseBillingDayMutation,
  type Role,
} from '../generated/operations.ts';
import { useCurrentUser } from '../app/current-user.tsx';
import { RoleBadge } from '../components/badges.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { SelectField, SubmitButton, TextField } from '../components/field.tsx';
import { NewUserFieldset } from '../components/user-fields.tsx';
import { Money } from '../components/money.tsx';
import { Page } from '../components/page-header.tsx';
import { Empty, FormMessages, QueryStatus } from '../components/status.tsx';
import { useNotify } from '../components/toasts.tsx';
import { formatDay, isDay, today } from '../lib/dates.ts';
import { describeError } from '../lib/errors.ts';
import { ROLE_LABELS, ROLES } from '../lib/roles.ts';
import { useForm, useFormErrors } from '../lib/use-form-errors.ts';
import { checkNewUser, newUserInput, type NewUserFields } from '../lib/user-input.ts';
import { Card } from '../components/card.tsx';

/** Administration: users and roles, and closing a billing day by hand. */
export function AdminPage() {
  return (
    <Page title="Admin" lead="Users and roles, and the end of a billing day.">
      <div className="grid grid--admin">
        <UsersCard />
        <div className="stack">
          <CreateUserCard />
          <CloseDayCard />
        </div>
      </div>
    </Page>
  );
}

function UsersCard() {
  const [roleFilter, setRoleFilter] = useState<Role | ''>('');
  const [{ data, fetching, error }, refetch] = useQuery({
    query: UsersDocument,
    variables: { role: roleFilter || null },
  });
  const users = [...(data?.users ?? [])].sort((a, b) => a.login.localeCompare(b.login));
  return (
    <Card
      title="Users"
      actions={
        <SelectField
          label="Role"
          name="role-filter"
          value={roleFilter}
          onChange={(e) => setRoleFilter(e.target.value as Role | '')}
        >
          <option value="">All roles</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </SelectField>
      }
    >
      <QueryStatus what="users" result={{ data, fetching, error }} refetch={refetch} />
      {data && users.length === 0 && <Empty>No users with this role.</Empty>}
      {users.length > 0 && (
        <div className="table-wrap">
          <table className="table table--stack">
            <caption className="sr-only">Users</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Change role</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td data-label="User">
                    {u.name} <span className="muted">@{u.login}</span>
                  </td>
                  <td data-label="Role">
                    <RoleBadge role={u.role} />
                  </td>
                  <td data-label="Change role">
                    <RoleChanger userId={u.id} login={u.login} role={u.role} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function RoleChanger({ userId, login, role }: { userId: string; login: string; role: Role }) {
  const me = useCurrentUser();
  const [next, setNext] = useState<Role>(role);
  const [{ fetching }, changeRole] = useMutation(ChangeRoleDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const notify = useNotify();
  const self = userId === me.id;

  async function save(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const result = await changeRole({ userId, role: next });
    if (result.data) notify(`@${login} is now ${ROLE_LABELS[result.data.changeRole.role]}.`, 'success');
    else setProblem(describeError(result.error)?.messages.join(' ') ?? 'Could not change the role.');
  }

  if (self) return <span className="muted small">Your own role</span>;
  return (
    <form className="role-changer" onSubmit={save}>
      <label className="sr-only" htmlFor={`role-${userId}`}>
        New role for @{login}
      </label>
      <select
        id={`role-${userId}`}
        className="input input--select input--small"
        value={next}
        onChange={(e) => setNext(e.target.value as Role)}
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </select>
      <button
        type="submit"
        className="button button--secondary button--small"
        disabled={fetching || next === role}
      >
        {fetching ? 'Saving…' : 'Save'}
      </button>
      {problem && (
        <span className="inline-status inline-status--error" role="alert">
          {problem}
        </span>
      )}
    </form>
  );
}

type NewUserValues = NewUserFields & { role: Role };
const EMPTY_USER: NewUserValues = { login: '', name: '', email: '', password: '', role: 'WORKER' };

function CreateUserCard() {
  const form = useForm<NewUserValues>(EMPTY_USER);
  const { values, setValues, bind } = form;
  const [{ fetching }, createUser] = useMutation(CreateUserDocument);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setCreated(null);
    if (!form.check(checkNewUser(values))) return;
    const result = await createUser({ input: { ...newUserInput(values), role: values.role } });
    if (result.data) {
      const user = result.data.createUser;
      setCreated(`Created @${user.login} (${ROLE_LABELS[user.role]}).`);
      form.clear();
    } else form.fromApi(result.error);
  }

  return (
    <div className="card">
      <h2 className="card__title">Create a user</h2>
      <form ref={form.formRef} className="form" onSubmit={submit} noValidate aria-busy={fetching}>
        <NewUserFieldset bind={bind} own={false} />
        <SelectField
          label="Role"
          name="role"
          value={values.role}
          error={form.fields['role']}
          onChange={(e) => setValues((v) => ({ ...v, role: e.target.value as Role }))}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </SelectField>
        <FormMessages messages={form.messages} />
        <p className="inline-status" role="status">
          {created}
        </p>
        <SubmitButton busy={fetching} busyLabel="Creating…">
          Create user
        </SubmitButton>
      </form>
    </div>
  );
}

function CloseDayCard() {
  const [day, setDay] = useState(today());
  const [confirming, setConfirming] = useState(false);
  const [{ fetching }, closeDay] = useMutation(CloseBillingDayDocument);
  const [result, setResult] = useState<CloseBillingDayMutation['closeBillingDay'] | null>(null);
  const form = useFormErrors();

  function ask(event: FormEvent) {
    event.preventDefault();
    setResult(null);
    if (form.check({ day: !isDay(day) && 'Choose a day' })) setConfirming(true);
  }

  async function confirm() {
    const outcome = await closeDay({ day });
    setConfirming(false);
    if (outcome.data) setResult(outcome.data.closeBillingDay);
    else form.fromApi(outcome.error);
  }

  return (
    <div className="card">
      <h2 className="card__title">Close a billing day</h2>
      <p className="muted">
        Pays out every positive balance and carries negative ones over. Closing a day twice pays nobody twice.
      </p>
      <form ref={form.formRef} className="form" onSubmit={ask} noValidate>
        <TextField
          label="Business day"
          name="day"
          type="date"
          value={day}
          max={today()}
          required
          error={form.fields['day']}
          onChange={(e) => {
            setDay(e.target.value);
            form.clearField('day');
          }}
        />
        <FormMessages messages={form.messages} />
        <SubmitButton busy={fetching}>Close the day…</SubmitButton>
      </form>
      {result && (
        <div className="notice notice--success" role="status">
          <div>
            <strong>{formatDay(result.day)} is closed.</strong>
            <p>
              Paid {result.accountsPaid} {result.accountsPaid === 1 ? 'account' : 'accounts'},{' '}
              <Money value={result.totalPaid} /> in total; {result.accountsInRed} in the red carried over.
            </p>
          </div>
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Close ${isDay(day) ? formatDay(day) : 'this day'}?`}
        confirmLabel="Close the day and pay out"
        busy={fetching}
        onConfirm={confirm}
        onCancel={() => setConfirming(false)}
      >
        <p>Every account with a positive balance on this day or earlier is paid out and emailed.</p>
      </ConfirmDialog>
    </div>
  );
}
