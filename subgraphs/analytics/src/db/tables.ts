// Every table of the analytics database, for drizzle-kit and the drizzle client.
export * from './schema.ts';
export { outbox, inbox, deadLetters } from '@ates/events/tables';
