-- Room on each page for the next version of a row, so that updating a balance (accounts: every
-- batch, per account posted to) or a task's reported counts (tasks: per assignment and completion)
-- is a HOT update: no new entry in each of the table's indexes, a quarter of the WAL. Pages
-- written from now on keep that room; existing ones gain it as they are rewritten.
ALTER TABLE "accounts" SET (fillfactor = 50);
--> statement-breakpoint
ALTER TABLE "tasks" SET (fillfactor = 70);
