import type { GraphiQLProps } from 'graphiql';

type TabDefinition = NonNullable<GraphiQLProps['defaultTabs']>[number];

const LOG_IN = `# aTES explorer. Queries and mutations: POST /graphql.
# Subscriptions: graphql-ws on the same URL.
#
# 1. Get a token: set your login and password below,
#    then run LogIn (▶ or Ctrl-Enter).
# 2. Press "Use this token" in the top bar, or paste a
#    token into the Token field. It goes out as
#    "Authorization: Bearer …" and in the subscription
#    socket's connectionParams.
# 3. Try the other tabs; the book icon opens the docs.

mutation LogIn {
  logIn(login: "admin", password: "") {
    token
    user { id login role }
  }
}
`;

const ME = `query Me {
  me { id login name role }
}
`;

const ON_MY_TASKS = `# Runs until you press stop (■). One result per task
# assigned to you, taken from you or completed by you.
subscription OnMyTasks {
  myTasks {
    kind
    task { id title status assignee { login } price { assignFee reward } }
  }
}
`;

export const DEFAULT_TABS: TabDefinition[] = [{ query: LOG_IN }, { query: ME }, { query: ON_MY_TASKS }];
