import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Role } from '@ates/service-kit';
import type { TaskStatus } from '../domain/task.ts';
import { assignableRole } from './assignable.ts';

export type { TaskStatus };

/**
 * The task tracker's own copy of the users it may assign, kept current by the users' events
 * (never read from the users database). `version` is the occurrence time of the last applied
 * event, so a late, older event never overwrites a newer role.
 */
export const popugs = pgTable(
  'popugs',
  {
    id: uuid('id').primaryKey(),
    login: text('login').notNull(),
    name: text('name').notNull(),
    role: text('role').$type<Role>().notNull(),
    roleChangedAt: timestamp('role_changed_at', { withTimezone: true, mode: 'date' }).notNull(),
    profileChangedAt: timestamp('profile_changed_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('popugs_assignable_idx').on(t.id).where(assignableRole(t.role))],
);

export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey(),
    jiraId: text('jira_id'),
    title: text('title').notNull(),
    description: text('description').notNull(),
    status: text('status').$type<TaskStatus>().notNull(),
    assigneeId: uuid('assignee_id').notNull(),
    createdBy: uuid('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    /** Assignments made so far (creation counts as the first); travels as `assignmentNo`. */
    assignmentCount: integer('assignment_count').notNull(),
    /** Completions made (0 or 1): what accounting must have rewarded. */
    completionCount: integer('completion_count').notNull().default(0),
  },
  // Every one is written again for each task a shuffle moves (assignee_id is indexed: no HOT
  // update). The shuffle's open tasks are read through tasks_status_dashboard_idx (or the
  // primary key when nearly all are open): a partial index of them only cost a fifth more.
  (t) => [
    index('tasks_dashboard_idx').on(t.createdAt.desc(), t.id.desc()),
    index('tasks_status_dashboard_idx').on(t.status, t.createdAt.desc(), t.id.desc()),
    index('tasks_assignee_idx').on(t.assigneeId, t.status, t.createdAt.desc()),
  ],
);

export type TaskRow = typeof tasks.$inferSelect;
export type PopugRow = typeof popugs.$inferSelect;
