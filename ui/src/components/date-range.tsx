import { addDays, daysBetween, isDay, today } from '../lib/dates.ts';
import { useSearchParam } from '../app/router.tsx';
import { TextField } from './field.tsx';

export const MAX_RANGE_DAYS = 92;

export interface DayRange {
  from: string;
  to: string;
  /** Why the chosen range cannot be queried, if it cannot. */
  problem: string | null;
}

/**
 * A from/to range kept in the URL (`?from=&to=`), by default the 14 days up to `defaultTo`
 * (today unless given).
 */
export function useDayRange(
  defaultTo?: string,
): DayRange & { setFrom: (v: string) => void; setTo: (v: string) => void } {
  const [fromParam, setFrom] = useSearchParam('from');
  const [toParam, setTo] = useSearchParam('to');
  const to = isDay(toParam) ? toParam : (defaultTo ?? today());
  const from = isDay(fromParam) ? fromParam : addDays(to, -13);
  let problem: string | null = null;
  if (daysBetween(from, to) < 0) problem = '"From" must not be after "to".';
  else if (daysBetween(from, to) >= MAX_RANGE_DAYS) problem = `Choose at most ${MAX_RANGE_DAYS} days.`;
  return { from, to, problem, setFrom, setTo };
}

export function DayRangePicker({ range }: { range: ReturnType<typeof useDayRange> }) {
  return (
    <div className="range">
      <TextField
        label="From"
        name="from"
        type="date"
        value={range.from}
        max={range.to}
        onChange={(e) => isDay(e.target.value) && range.setFrom(e.target.value)}
        error={range.problem ?? undefined}
      />
      <TextField
        label="To"
        name="to"
        type="date"
        value={range.to}
        onChange={(e) => isDay(e.target.value) && range.setTo(e.target.value)}
      />
    </div>
  );
}
