import { describe, expect, it } from 'vitest';
import { escapeHtml, formatDay, formatUsd } from '../src/templates/format.ts';
import { renderEmail } from '../src/templates/render.ts';

describe('amounts and days in emails', () => {
  it('formats cents as dollars with grouping, from the integer', () => {
    expect([0, 5, 99, 100, 123_456, 100_000_000, -1550].map(formatUsd)).toEqual([
      '$0.00',
      '$0.05',
      '$0.99',
      '$1.00',
      '$1,234.56',
      '$1,000,000.00',
      '-$15.50',
    ]);
  });

  it('spells out a business day without shifting it by a time zone', () => {
    expect(formatDay('2026-01-01')).toBe('Thursday, 1 January 2026');
    expect(formatDay('2024-02-29')).toBe('Thursday, 29 February 2024');
    expect(() => formatDay('2026-13-01')).toThrow(RangeError);
  });
});

describe('payout notice', () => {
  it("tells the popug's name, the day and the amount in text and HTML", () => {
    const email = renderEmail('payout-notice', { day: '2026-05-04', amountCents: 2_000 }, 'Kesha');
    expect(email.subject).toBe('Your aTES payout for 2026-05-04: $20.00');
    expect(email.text).toContain('Hello, Kesha!');
    expect(email.text).toContain('Monday, 4 May 2026 (2026-05-04) have been paid out: $20.00.');
    expect(email.html).toContain('<strong>Monday, 4 May 2026</strong>');
    expect(email.html).toContain('$20.00');
  });

  it('escapes the name in HTML', () => {
    const email = renderEmail('payout-notice', { day: '2026-05-04', amountCents: 1 }, '<b>Rio & "Co"</b>');
    expect(email.html).toContain(escapeHtml('<b>Rio & "Co"</b>'));
    expect(email.html).not.toContain('<b>Rio');
  });
});
