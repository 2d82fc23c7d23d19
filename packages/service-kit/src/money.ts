/**
 * Money is integer cents everywhere inside aTES; only the edge (GraphQL `Money`, emails)
 * sees a decimal string with two fraction digits. No floating point on either path.
 */
export type Cents = number;

const MONEY_PATTERN = /^(-)?(\d{1,13})(?:\.(\d{1,2}))?$/;

export function formatMoney(cents: Cents): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`Not an integer amount of cents: ${cents}`);
  const negative = cents < 0;
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  const fraction = String(abs % 100).padStart(2, '0');
  return `${negative ? '-' : ''}${units}.${fraction}`;
}

/** Parses "12", "12.3", "-12.34" into cents; anything else (floats with 3+ digits, exponents) is refused. */
export function parseMoney(text: string): Cents {
  const match = MONEY_PATTERN.exec(text.trim());
  if (!match) throw new RangeError(`Not a money amount: "${text}" (expected e.g. 12.50)`);
  const [, sign, units = '0', fraction = ''] = match;
  const cents = Number(units) * 100 + Number(fraction.padEnd(2, '0'));
  return sign && cents !== 0 ? -cents : cents;
}
