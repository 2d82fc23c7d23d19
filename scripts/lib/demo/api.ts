import type { TypedDocumentString } from './generated/operations.ts';

/** A GraphQL error the API answered with: `code` is `extensions.code` (FORBIDDEN, CONFLICT…). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The gateway could not be reached at all. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/**
 * A minimal client of the public endpoint: JSON over POST (what the gateway's CSRF prevention
 * lets through), one bearer token per client.
 */
export class DemoApi {
  constructor(
    readonly url: string,
    readonly token: string | null = null,
  ) {}

  withToken(token: string): DemoApi {
    return new DemoApi(this.url, token);
  }

  async request<T, V>(document: TypedDocumentString<T, V>, variables?: V): Promise<T> {
    const query = document.toString();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables: variables ?? {} }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new UnreachableError(`cannot reach ${this.url}${cause}`);
    }
    const text = await response.text();
    let body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ApiError(`HTTP ${response.status} from ${this.url}: ${text.slice(0, 200)}`, undefined);
    }
    const first = body.errors?.[0];
    if (first) throw new ApiError(first.message, first.extensions?.code);
    if (!body.data) throw new ApiError(`HTTP ${response.status}: no data`, undefined);
    return body.data;
  }
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
