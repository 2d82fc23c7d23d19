/** A task as analytics knows it: a reference the gateway resolves in the tasks subgraph. */
export interface TaskRef {
  __typename?: 'Task';
  id: string;
}

/** The analytics root: its fields are resolved one by one, after the role check. */
export type AnalyticsRef = Record<string, never>;
