-- tasks_status_dashboard_idx (status first) serves the shuffle's read of the open tasks (EXPLAIN
-- checked); this partial index cost one more index entry for every task a shuffle moves.
DROP INDEX "tasks_open_idx";