/** Entities other subgraphs own: references the gateway resolves there. */
export interface UserRef {
  __typename?: 'User';
  id: string;
}

export interface TaskRef {
  __typename?: 'Task';
  id: string;
}

/** The dashboard root: its fields are resolved one by one, after the role check. */
export type DashboardRef = Record<string, never>;

/** A reconciliation page; `tracked` is the task tracker's side, present once the gateway fetched it. */
export interface ReconciliationRef {
  __typename?: 'Reconciliation';
  id: string;
  tracked?: { taskId: string; assignments: number; completed: boolean }[];
}
