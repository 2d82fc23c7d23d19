// Every table of the users database, for drizzle-kit and the drizzle client.
export * from './schema.ts';
