import { useQuery } from 'urql';
import { PopugAccountDocument, UsersDocument } from '../generated/operations.ts';
import { useSearchParam } from '../app/router.tsx';
import { AccountDetails } from '../components/account-view.tsx';
import { RoleBadge } from '../components/badges.tsx';
import { SelectField } from '../components/field.tsx';
import { useCursorPages } from '../components/pager.tsx';
import { Empty, QueryStatus } from '../components/status.tsx';
import { isDay } from '../lib/dates.ts';
import { Card } from '../components/card.tsx';

const PAGE_SIZE = 20;

/** Any popug's account, picked from the users list (kept in `?popug=` so it can be shared). */
export function PopugAccountPanel() {
  const [userId, setUserId] = useSearchParam('popug');
  const [dayParam, setDay] = useSearchParam('popugDay');
  const day = isDay(dayParam) ? dayParam : null;
  const pages = useCursorPages(`${userId}|${day ?? ''}`);
  const [users] = useQuery({ query: UsersDocument, variables: {} });
  const [{ data, fetching, error }, refetch] = useQuery({
    query: PopugAccountDocument,
    variables: { userId, first: PAGE_SIZE, after: pages.after, day },
    pause: !userId,
  });
  const sorted = [...(users.data?.users ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const user = data?.user;
  const account = user?.account;

  return (
    <Card
      title="Popug accounts"
      actions={
        <SelectField
          label="Popug"
          name="popug"
          value={userId}
          onChange={(e) => {
            setUserId(e.target.value || null);
            setDay(null);
          }}
          hint={users.error ? 'Could not load the list of popugs' : undefined}
        >
          <option value="">Choose a popug…</option>
          {sorted.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} (@{u.login})
            </option>
          ))}
        </SelectField>
      }
    >
      {!userId && <Empty>Choose a popug to see their balance, audit log and payouts.</Empty>}
      {userId && <QueryStatus what="the account" result={{ data, fetching, error }} refetch={refetch} />}
      {data && !user && <Empty>This popug does not exist.</Empty>}
      {user && !account && (
        <Empty>
          @{user.login} <RoleBadge role={user.role} /> has no account yet.
        </Empty>
      )}
      {user && account && (
        <AccountDetails
          account={account}
          owner={`@${user.login}`}
          pages={pages}
          day={day}
          onDay={setDay}
          busy={fetching}
        />
      )}
    </Card>
  );
}
