import { query } from '../resolvers/query.ts';

export const greeting = query.hello;
