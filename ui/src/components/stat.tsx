import type { ReactNode } from 'react';
import { moneyTone } from '../lib/money.ts';
import { Money } from './money.tsx';

export function MoneyStat({ label, value, note }: { label: string; value: string; note?: ReactNode }) {
  return (
    <div className={`card stat stat--${moneyTone(value)}`}>
      <p className="stat__label">{label}</p>
      <p className="stat__value">
        <Money value={value} />
      </p>
      {note && <p className="stat__note">{note}</p>}
    </div>
  );
}

export function CountStat({
  label,
  value,
  note,
  alert,
}: {
  label: string;
  value: number;
  note?: ReactNode;
  alert?: boolean;
}) {
  return (
    <div className={`card stat${alert ? ' stat--negative' : ''}`}>
      <p className="stat__label">{label}</p>
      <p className="stat__value">{value}</p>
      {note && <p className="stat__note">{note}</p>}
    </div>
  );
}
