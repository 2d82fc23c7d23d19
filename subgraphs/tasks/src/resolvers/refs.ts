/** A user as this subgraph knows it: a reference the gateway resolves in the users subgraph. */
export interface UserRef {
  __typename?: 'User';
  id: string;
}
