import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { formatMoney, parseMoney } from './money.ts';

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  if (!DATE_PATTERN.test(value)) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function invalid(scalar: string, message: string): GraphQLError {
  return new GraphQLError(`${scalar}: ${message}`, { extensions: { code: 'BAD_USER_INPUT' } });
}

function stringLiteral(scalar: string, ast: ValueNode): string {
  if (ast.kind !== Kind.STRING) throw invalid(scalar, 'expected a string literal');
  return ast.value;
}

/** A scalar written as a string on the wire: a literal parses as a variable's value does. */
function stringScalar<Internal>(config: {
  name: string;
  description: string;
  serialize: (value: unknown) => string;
  parseValue: (value: unknown) => Internal;
}): GraphQLScalarType<Internal, string> {
  return new GraphQLScalarType<Internal, string>({
    ...config,
    parseLiteral: (ast) => config.parseValue(stringLiteral(config.name, ast)),
  });
}

export const DateTimeScalar: GraphQLScalarType<Date, string> = stringScalar<Date>({
  name: 'DateTime',
  description: 'ISO-8601 instant in UTC',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    if (typeof value !== 'string') throw invalid('DateTime', 'expected an ISO-8601 string');
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw invalid('DateTime', `not an ISO-8601 instant: "${value}"`);
    return date;
  },
});

export const DateScalar: GraphQLScalarType<string, string> = stringScalar<string>({
  name: 'Date',
  description: 'Calendar day in the company time zone, YYYY-MM-DD',
  serialize(value) {
    if (typeof value !== 'string' || !isCalendarDate(value))
      throw new GraphQLError(`Date cannot represent ${String(value)}`);
    return value;
  },
  parseValue(value) {
    if (typeof value !== 'string' || !isCalendarDate(value))
      throw invalid('Date', `expected a calendar date YYYY-MM-DD, got ${JSON.stringify(value)}`);
    return value;
  },
});

/** Internally integer cents; on the wire a decimal string with two fraction digits. */
export const MoneyScalar: GraphQLScalarType<number, string> = stringScalar<number>({
  name: 'Money',
  description: 'Exact money: a decimal string with two fraction digits, e.g. -15.00',
  serialize(value) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new GraphQLError(`Money must be integer cents internally, got ${String(value)}`);
    return formatMoney(value);
  },
  parseValue(value) {
    if (typeof value !== 'string') throw invalid('Money', 'expected a decimal string such as "12.50"');
    try {
      return parseMoney(value);
    } catch (error) {
      throw invalid('Money', (error as Error).message);
    }
  },
});
