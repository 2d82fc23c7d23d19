import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { GraphQLErrorShape, GraphQLResponse } from '@ates/testing';

/** GraphQL over HTTP with a deadline: an operation never hangs the run. */
export class TimedClient {
  constructor(
    readonly url: string,
    readonly token?: string,
    private readonly timeoutMs = 20_000,
  ) {}

  async request<TData = Record<string, unknown>, TVars = Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
  ): Promise<GraphQLResponse<TData>> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let body: { data?: TData | null; errors?: GraphQLErrorShape[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`HTTP ${response.status}: ${text.slice(0, 100)}`);
    }
    return { status: response.status, ...body };
  }

  async ok<TData = Record<string, unknown>, TVars = Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
  ): Promise<TData> {
    const result = await this.request(document, variables);
    if (result.errors?.length || !result.data)
      throw new Error(`GraphQL request failed: ${JSON.stringify(result.errors ?? result)}`);
    return result.data;
  }
}
