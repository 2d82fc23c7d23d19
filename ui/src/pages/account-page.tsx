import { useCallback } from 'react';
import { useQuery } from 'urql';
import {
  MyAccountDocument,
  OnMyAccountDocument,
  type OnMyAccountSubscription,
} from '../generated/operations.ts';
import { describeAccountEvents } from '../lib/live-messages.ts';
import { moneyTone } from '../lib/money.ts';
import { useLiveEvents } from '../lib/use-live-events.ts';
import { useSearchParam } from '../app/router.tsx';
import { AccountDetails } from '../components/account-view.tsx';
import { Page } from '../components/page-header.tsx';
import { useCursorPages } from '../components/pager.tsx';
import { Empty, QueryStatus } from '../components/status.tsx';
import { useNotify } from '../components/toasts.tsx';
import { isDay } from '../lib/dates.ts';

const PAGE_SIZE = 20;

/** The caller's balance, audit log and payouts; refreshed live after each of their transactions. */
export function AccountPage() {
  const [dayParam, setDay] = useSearchParam('day');
  const day = isDay(dayParam) ? dayParam : null;
  const pages = useCursorPages(day ?? '');
  const [{ data, fetching, error }, refetch] = useQuery({
    query: MyAccountDocument,
    variables: { first: PAGE_SIZE, after: pages.after, day },
  });
  const notify = useNotify();
  useLiveEvents(
    OnMyAccountDocument,
    (d) => d.myAccount,
    useCallback(
      (events: OnMyAccountSubscription['myAccount'][]) => {
        const text = describeAccountEvents(events);
        const last = events[events.length - 1];
        if (text) notify(text, last && moneyTone(last.balance) === 'negative' ? 'warning' : 'success');
        refetch({ requestPolicy: 'network-only' });
      },
      [notify, refetch],
    ),
  );

  const account = data?.myAccount;

  return (
    <Page
      title="My account"
      lead="Fees are charged when a task is assigned to you; rewards are paid when you complete it."
      live
    >
      <QueryStatus what="your account" result={{ data, fetching, error }} refetch={refetch} />
      {data && !account && (
        <div className="card">
          <Empty>You have no account yet: it opens with your first assigned task.</Empty>
        </div>
      )}
      {account && <AccountDetails account={account} pages={pages} day={day} onDay={setDay} busy={fetching} />}
    </Page>
  );
}
