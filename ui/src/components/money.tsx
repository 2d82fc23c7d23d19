import { formatMoney, moneyTone } from '../lib/money.ts';

interface MoneyProps {
  value: string;
  signed?: boolean;
  className?: string;
}

/** An amount from the API, coloured by sign; the text itself carries the sign for screen readers. */
export function Money({ value, signed = false, className }: MoneyProps) {
  const tone = moneyTone(value);
  return (
    <span className={['money', `money--${tone}`, className].filter(Boolean).join(' ')}>
      {formatMoney(value, { signed })}
    </span>
  );
}
