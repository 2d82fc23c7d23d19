import { describe, expect, it } from 'vitest';
import { seededRandom } from '@ates/service-kit';
import { applyTransaction, type BalanceRow, type RedChange } from '../src/domain/balances.ts';
import { addDays } from '../src/domain/calendar.ts';
import { redOnDays } from '../src/domain/figures.ts';

describe('end-of-day balances and the count of popugs in red', () => {
  it('opens a day from the previous balance and puts the account in red from that day on', () => {
    expect(applyTransaction(500, [], '2026-03-02', -1500)).toEqual({
      rows: [{ day: '2026-03-02', balance: -1000 }],
      red: [{ from: '2026-03-02', to: null, delta: 1 }],
    });
  });

  it('changes nothing in the count while the sign stays', () => {
    expect(applyTransaction(0, [{ day: '2026-03-02', balance: -1000 }], '2026-03-02', -200)).toEqual({
      rows: [{ day: '2026-03-02', balance: -1200 }],
      red: [],
    });
  });

  it('moves every later day of a late transaction, and the count only on the days whose sign flips', () => {
    const later: BalanceRow[] = [
      { day: '2026-03-03', balance: -500 },
      { day: '2026-03-05', balance: 800 },
      { day: '2026-03-06', balance: -100 },
    ];
    // A reward of 10.00 that counts on 03-02 (before all of them) reaches 03-02 and every later day.
    expect(applyTransaction(-300, later, '2026-03-02', 1000)).toEqual({
      rows: [
        { day: '2026-03-02', balance: 700 },
        { day: '2026-03-03', balance: 500 },
        { day: '2026-03-05', balance: 1800 },
        { day: '2026-03-06', balance: 900 },
      ],
      red: [
        // 03-02 was −3.00 (from before) and 03-03 −5.00: out of the red on 03-02..03-04.
        { from: '2026-03-02', to: '2026-03-05', delta: -1 },
        { from: '2026-03-06', to: null, delta: -1 },
      ],
    });
  });

  it('gives the same counts whatever order the transactions arrive in (property)', () => {
    const days = Array.from({ length: 12 }, (_, i) => addDays('2026-03-01', i));
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const txs = Array.from({ length: 60 }, () => ({
        account: `a${random.intBetween(0, 4)}`,
        day: days[random.intBetween(0, days.length - 1)]!,
        amount: random.intBetween(-2000, 1500),
      }));
      // Shuffle: arrival order is not day order.
      for (let i = txs.length - 1; i > 0; i--) {
        const j = random.intBetween(0, i);
        [txs[i], txs[j]] = [txs[j]!, txs[i]!];
      }
      const model = new ReadModel();
      for (const t of txs) model.apply(t.account, t.day, t.amount);
      const expected = days.map((d) => {
        const balances = new Map<string, number>();
        for (const t of txs)
          if (t.day <= d) balances.set(t.account, (balances.get(t.account) ?? 0) + t.amount);
        return [...balances.values()].filter((b) => b < 0).length;
      });
      expect(model.redOn(days)).toEqual(expected);
      expect(model.redNow()).toBe(expected.at(-1));
    }
  });
});

/** The repositories' semantics in memory: rows per account and a row of the count per change. */
class ReadModel {
  private readonly accounts = new Map<string, BalanceRow[]>();
  private red: Array<{ day: string; popugs: number }> = [];

  apply(account: string, day: string, amount: number) {
    const rows = this.accounts.get(account) ?? [];
    const before = rows.filter((r) => r.day < day).at(-1)?.balance ?? 0;
    const change = applyTransaction(
      before,
      rows.filter((r) => r.day >= day),
      day,
      amount,
    );
    this.accounts.set(account, [...rows.filter((r) => r.day < day), ...change.rows]);
    for (const c of change.red) this.applyRed(c);
  }

  private valueAt(day: string) {
    return this.red.filter((r) => r.day <= day).at(-1)?.popugs ?? 0;
  }

  private ensure(day: string) {
    if (this.red.some((r) => r.day === day)) return;
    this.red.push({ day, popugs: this.valueAt(day) });
    this.red.sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  private applyRed(c: RedChange) {
    this.ensure(c.from);
    if (c.to) this.ensure(c.to);
    for (const r of this.red) if (r.day >= c.from && (c.to === null || r.day < c.to)) r.popugs += c.delta;
  }

  redOn(days: string[]) {
    const first = days[0]!;
    return redOnDays(
      days,
      this.valueAt(addDays(first, -1)),
      this.red.filter((r) => r.day >= first),
    );
  }

  redNow() {
    return this.red.at(-1)?.popugs ?? 0;
  }
}
