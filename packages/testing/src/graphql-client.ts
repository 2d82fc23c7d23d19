import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export interface GraphQLErrorShape {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export interface GraphQLResponse<TData> {
  status: number;
  data?: TData | null;
  errors?: GraphQLErrorShape[];
}

/** A thin GraphQL-over-HTTP client for tests: no caching, no retries, the raw response. */
export class GraphQLClient {
  constructor(
    readonly url: string,
    readonly token?: string,
    /** Sent with every request (e.g. a spoofed X-Forwarded-For). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  withToken(token: string | undefined): GraphQLClient {
    return new GraphQLClient(this.url, token, this.headers);
  }

  withHeaders(headers: Record<string, string>): GraphQLClient {
    return new GraphQLClient(this.url, this.token, { ...this.headers, ...headers });
  }

  async request<TData = Record<string, unknown>, TVars = Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
  ): Promise<GraphQLResponse<TData>> {
    const query = typeof document === 'string' ? document : print(document);
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...this.headers,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: TData | null; errors?: GraphQLErrorShape[] };
    return { status: response.status, ...body };
  }

  /** Like `request`, but fails the test with the errors when there are any. */
  async ok<TData = Record<string, unknown>, TVars = Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
  ): Promise<TData> {
    const result = await this.request(document, variables);
    if (result.errors?.length || !result.data) {
      throw new Error(`GraphQL request failed: ${JSON.stringify(result.errors ?? result)}`);
    }
    return result.data;
  }
}

/** The codes of a response's errors, for concise assertions. */
export const errorCodes = (response: GraphQLResponse<unknown>) =>
  (response.errors ?? []).map((e) => e.extensions?.code);
