import { escapeHtml, formatDay, formatUsd } from './format.ts';
import type { RenderedEmail } from './render.ts';

export interface PayoutNoticeData {
  /** How to greet the popug. */
  name: string;
  /** The business day paid out, YYYY-MM-DD. */
  day: string;
  amountCents: number;
}

/** The email a popug gets when the day's positive balance was paid out. */
export function renderPayoutNotice({ name, day, amountCents }: PayoutNoticeData): RenderedEmail {
  const amount = formatUsd(amountCents);
  const longDay = formatDay(day);
  const subject = `Your aTES payout for ${day}: ${amount}`;
  const text = [
    `Hello, ${name}!`,
    '',
    `Your earnings for ${longDay} (${day}) have been paid out: ${amount}.`,
    '',
    'Your balance starts the next day at 0.00; the payout is in the audit log of your account in aTES.',
    '',
    '-- ',
    'aTES Payroll, UberPopug Inc.',
    '',
  ].join('\n');
  const html = `<!doctype html>
<html lang="en">
  <body style="font-family: sans-serif; line-height: 1.5; color: #1d2a20">
    <p>Hello, ${escapeHtml(name)}!</p>
    <p>Your earnings for <strong>${escapeHtml(longDay)}</strong> (${escapeHtml(day)}) have been paid out:</p>
    <p style="font-size: 1.6em; font-weight: bold; margin: 0.5em 0">${escapeHtml(amount)}</p>
    <p>Your balance starts the next day at 0.00; the payout is in the audit log of your account in aTES.</p>
    <p style="color: #667">aTES Payroll, UberPopug Inc.</p>
  </body>
</html>
`;
  return { subject, text, html };
}
