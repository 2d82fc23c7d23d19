/**
 * The operations `pnpm demo` sends: only the public API (schema/api.graphql), as any client
 * would. Kept as plain strings so the script needs nothing but fetch; a unit test validates
 * each one against the API schema.
 */

export type Role = 'ADMIN' | 'MANAGER' | 'ACCOUNTANT' | 'WORKER';

export const LOG_IN = /* GraphQL */ `
  mutation DemoLogIn($login: String!, $password: String!) {
    logIn(login: $login, password: $password) {
      token
      user {
        id
        login
        name
        role
      }
    }
  }
`;
export interface LogInResult {
  logIn: { token: string; user: { id: string; login: string; name: string; role: Role } };
}

export const USERS = /* GraphQL */ `
  query DemoUsers {
    users {
      id
      login
      name
      role
    }
  }
`;
export interface UsersResult {
  users: { id: string; login: string; name: string; role: Role }[];
}

export const CREATE_USER = /* GraphQL */ `
  mutation DemoCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
      login
      name
      role
    }
  }
`;
export interface CreateUserResult {
  createUser: { id: string; login: string; name: string; role: Role };
}

export const CREATE_TASK = /* GraphQL */ `
  mutation DemoCreateTask($input: CreateTaskInput!) {
    createTask(input: $input) {
      id
      jiraId
      assignee {
        id
      }
    }
  }
`;
export interface CreateTaskResult {
  createTask: { id: string; jiraId: string | null; assignee: { id: string } };
}

export const TASKS = /* GraphQL */ `
  query DemoTasks($status: TaskStatus, $first: Int, $after: String) {
    tasks(status: $status, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        jiraId
        assignee {
          id
        }
      }
    }
  }
`;
export interface TasksResult {
  tasks: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { id: string; jiraId: string | null; assignee: { id: string } }[];
  };
}

export const SHUFFLE = /* GraphQL */ `
  mutation DemoShuffle {
    shuffleTasks {
      reassigned
    }
  }
`;
export interface ShuffleResult {
  shuffleTasks: { reassigned: number };
}

export const COMPLETE_TASK = /* GraphQL */ `
  mutation DemoCompleteTask($id: ID!) {
    completeTask(id: $id) {
      id
      status
    }
  }
`;
export interface CompleteTaskResult {
  completeTask: { id: string; status: 'OPEN' | 'DONE' };
}

export const ACCOUNTING_TODAY = /* GraphQL */ `
  query DemoAccountingToday {
    accountingDashboard {
      today {
        day
        closed
        managementEarnings
      }
    }
    reconciliation {
      tasksChecked
      mismatches {
        task {
          id
        }
      }
    }
  }
`;
export interface AccountingTodayResult {
  accountingDashboard: { today: { day: string; closed: boolean; managementEarnings: string } };
  reconciliation: { tasksChecked: number; mismatches: { task: { id: string } }[] };
}

export const CLOSE_DAY = /* GraphQL */ `
  mutation DemoCloseBillingDay($day: Date!) {
    closeBillingDay(day: $day) {
      day
      accountsPaid
      totalPaid
      accountsInRed
    }
  }
`;
export interface CloseDayResult {
  closeBillingDay: { day: string; accountsPaid: number; totalPaid: string; accountsInRed: number };
}

export const PAYOUTS_OF = /* GraphQL */ `
  query DemoPayoutsOf($userId: ID!) {
    user(id: $userId) {
      id
      account {
        payouts {
          id
          day
          status
        }
      }
    }
  }
`;
export interface PayoutsOfResult {
  user: { id: string; account: { payouts: { id: string; day: string; status: string }[] } | null } | null;
}

export const ALL_OPERATIONS = [
  LOG_IN,
  USERS,
  CREATE_USER,
  CREATE_TASK,
  TASKS,
  SHUFFLE,
  COMPLETE_TASK,
  ACCOUNTING_TODAY,
  CLOSE_DAY,
  PAYOUTS_OF,
];
