ALTER TABLE "transactions" DROP CONSTRAINT "transactions_seq_unique";--> statement-breakpoint
DROP INDEX "transactions_task_idx";