import { DEFAULT_NATS_URL, DEFAULT_POSTGRES_URL } from '@ates/service-kit';

/** Where the tests find the real services (never mocks). */
export const testPostgresUrl = () => process.env.ATES_TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
export const testNatsUrl = () => process.env.ATES_TEST_NATS_URL ?? DEFAULT_NATS_URL;
