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
