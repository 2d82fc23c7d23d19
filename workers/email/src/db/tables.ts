// Every table of the email worker's database, for drizzle-kit and the drizzle client.
export * from './schema.ts';
export { inbox, deadLetters } from '@ates/events/tables';
