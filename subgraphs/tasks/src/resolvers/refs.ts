/** A user as this subgraph knows it: a reference the gateway resolves in the users subgraph. */
export interface UserRef {
  __typename?: 'User';
  id: string;
}

/** A page of accounting's reconciliation, for which this subgraph contributes `tracked`. */
export interface ReconciliationRef {
  __typename?: 'Reconciliation';
  id: string;
}
