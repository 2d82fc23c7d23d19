import type { PayoutStatus, TransactionKind } from '../generated/operations.ts';
import { formatDateTime, formatDay, formatShortDay, isDay } from '../lib/dates.ts';
import { moneyTone } from '../lib/money.ts';
import { KindBadge, PayoutBadge } from './badges.tsx';
import { TextField } from './field.tsx';
import { Money } from './money.tsx';
import { Pager } from './pager.tsx';
import { Empty } from './status.tsx';
import { TaskTitle } from './task-bits.tsx';
import { Card } from './card.tsx';

export interface TransactionRow {
  id: string;
  kind: TransactionKind;
  amount: string;
  description: string;
  day: string;
  createdAt: string;
  task: { id: string; title: string; jiraId: string | null } | null;
}

export interface PayoutRow {
  id: string;
  day: string;
  amount: string;
  status: PayoutStatus;
  paidAt: string | null;
}

export function BalanceCard({ balance, owner }: { balance: string; owner?: string | undefined }) {
  const tone = moneyTone(balance);
  return (
    <div className={`card stat stat--hero stat--${tone}`}>
      <p className="stat__label">{owner ? `Balance of ${owner}` : 'Balance'}</p>
      <p className="stat__value">
        <Money value={balance} />
      </p>
      <p className="stat__note">
        {tone === 'negative'
          ? 'A negative balance is carried over to the next day.'
          : tone === 'zero'
            ? 'Nothing to pay out or carry over.'
            : 'A positive balance is paid out when the day is closed.'}
      </p>
    </div>
  );
}

export function PayoutsCard({ payouts }: { payouts: PayoutRow[] }) {
  const sorted = [...payouts].sort((a, b) => b.day.localeCompare(a.day));
  return (
    <div className="card">
      <h2 className="card__title">Payouts</h2>
      {sorted.length === 0 ? (
        <Empty>No payouts yet. They are made at the end of each day with a positive balance.</Empty>
      ) : (
        <ul className="payouts">
          {sorted.slice(0, 8).map((p) => (
            <li key={p.id} className="payouts__item">
              <span>
                <span className="payouts__day">{formatDay(p.day)}</span>
                {p.paidAt && <span className="muted"> · paid {formatDateTime(p.paidAt)}</span>}
              </span>
              <span className="payouts__amount">
                <Money value={p.amount} /> <PayoutBadge status={p.status} />
              </span>
            </li>
          ))}
        </ul>
      )}
      {sorted.length > 8 && <p className="muted">and {sorted.length - 8} earlier payouts</p>}
    </div>
  );
}

interface AccountDetailsProps {
  account: {
    balance: string;
    payouts: PayoutRow[];
    transactions: { nodes: TransactionRow[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  };
  /** Shown on the balance when the reader is not the owner. */
  owner?: string;
  pages: { page: number; next: (cursor: string) => void; previous: () => void };
  day: string | null;
  onDay: (day: string | null) => void;
  busy: boolean;
}

/** One account as its owner and the accountants see it: balance, payouts and the audit log. */
export function AccountDetails({ account, owner, pages, day, onDay, busy }: AccountDetailsProps) {
  return (
    <div className="grid grid--account">
      <BalanceCard balance={account.balance} owner={owner} />
      <PayoutsCard payouts={account.payouts} />
      <div className="grid__wide">
        <AuditLog
          transactions={account.transactions.nodes}
          hasNext={account.transactions.pageInfo.hasNextPage}
          endCursor={account.transactions.pageInfo.endCursor}
          page={pages.page}
          onNext={pages.next}
          onPrevious={pages.previous}
          day={day ?? ''}
          onDay={onDay}
          busy={busy}
        />
      </div>
    </div>
  );
}

interface AuditLogProps {
  transactions: TransactionRow[];
  hasNext: boolean;
  endCursor: string | null;
  page: number;
  onNext: (cursor: string) => void;
  onPrevious: () => void;
  day: string;
  onDay: (day: string | null) => void;
  busy: boolean;
}

const PAYOUT_DESCRIPTION = /^Payout for (\d{4}-\d{2}-\d{2})$/;

/** A transaction without a task: the API's description, with a payout's day written out. */
export function describeTransaction(t: Pick<TransactionRow, 'kind' | 'description'>): string {
  const day = t.kind === 'PAYOUT' ? PAYOUT_DESCRIPTION.exec(t.description)?.[1] : undefined;
  return day && isDay(day) ? `Payout for ${formatDay(day)}` : t.description;
}

/** Every transaction of an account, newest first, with its task; filterable by business day. */
export function AuditLog(props: AuditLogProps) {
  const { transactions, day } = props;
  return (
    <Card
      title="Audit log"
      actions={
        <div className="filters filters--inline">
          <TextField
            label="Business day"
            name="day"
            type="date"
            value={day}
            onChange={(e) => props.onDay(isDay(e.target.value) ? e.target.value : null)}
          />
          {day && (
            <button type="button" className="button button--ghost" onClick={() => props.onDay(null)}>
              All days
            </button>
          )}
        </div>
      }
    >
      {transactions.length === 0 ? (
        <Empty>{day ? `No transactions on ${formatDay(day)}.` : 'No transactions yet.'}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table table--stack">
            <caption className="sr-only">Transactions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Description</th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {transactions.map((t) => (
                <tr key={t.id}>
                  <td data-label="When" className="nowrap">
                    {formatDateTime(t.createdAt)}
                    {t.day !== t.createdAt.slice(0, 10) && (
                      <span className="muted small" title={`Counted on the business day ${formatDay(t.day)}`}>
                        {' '}
                        · counts on {formatShortDay(t.day)}
                      </span>
                    )}
                  </td>
                  <td data-label="Kind">
                    <KindBadge kind={t.kind} />
                  </td>
                  <td data-label="Description">
                    {t.task ? (
                      <TaskTitle id={t.task.id} title={t.task.title} jiraId={t.task.jiraId} />
                    ) : (
                      describeTransaction(t)
                    )}
                  </td>
                  <td data-label="Amount" className="num">
                    <Money value={t.amount} signed />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        page={props.page}
        hasNext={props.hasNext}
        endCursor={props.endCursor}
        onNext={props.onNext}
        onPrevious={props.onPrevious}
        busy={props.busy}
      />
    </Card>
  );
}
