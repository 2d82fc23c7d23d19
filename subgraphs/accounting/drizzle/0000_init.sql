CREATE TABLE "dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"consumer" text NOT NULL,
	"stream" text NOT NULL,
	"stream_seq" bigint NOT NULL,
	"subject" text NOT NULL,
	"event_id" text,
	"type" text,
	"version" integer,
	"payload" text NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"reason" text NOT NULL,
	"attempts" integer NOT NULL,
	"status" text DEFAULT 'dead' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replayed_at" timestamp with time zone,
	CONSTRAINT "dead_letters_message_key" UNIQUE("consumer","stream","stream_seq")
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"type" text NOT NULL,
	"version" integer NOT NULL,
	"stream_seq" bigint,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" uuid NOT NULL,
	"subject" text NOT NULL,
	"type" text NOT NULL,
	"version" integer NOT NULL,
	"aggregate_id" text,
	"payload" jsonb NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "outbox_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"balance" bigint DEFAULT 0 NOT NULL,
	"closed_through" date,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "accounts_user_id_unique" UNIQUE("user_id")
);
--> statement-breakpoint
CREATE TABLE "billing_days" (
	"day" date PRIMARY KEY NOT NULL,
	"closed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "daily_totals" (
	"day" date PRIMARY KEY NOT NULL,
	"fees_charged" bigint DEFAULT 0 NOT NULL,
	"rewards_paid" bigint DEFAULT 0 NOT NULL,
	"payouts_made" bigint DEFAULT 0 NOT NULL,
	"transactions" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"jira_id" text,
	"assign_fee" bigint NOT NULL,
	"reward" bigint NOT NULL,
	"priced_at" timestamp with time zone NOT NULL,
	"assignments_reported" integer DEFAULT 0 NOT NULL,
	"completions_reported" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"account_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"amount" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"task_id" uuid,
	"assignment_no" integer,
	"event_id" uuid,
	"description" text NOT NULL,
	"day" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "transactions_seq_unique" UNIQUE("seq"),
	CONSTRAINT "transactions_sign" CHECK (("transactions"."kind" = 'TASK_REWARD' and "transactions"."amount" > 0) or ("transactions"."kind" <> 'TASK_REWARD' and "transactions"."amount" < 0)),
	CONSTRAINT "transactions_fee_has_assignment" CHECK (("transactions"."kind" = 'ASSIGN_FEE') = ("transactions"."assignment_no" is not null))
);
--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dead_letters_status_idx" ON "dead_letters" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "outbox" USING btree ("seq") WHERE "outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "outbox" USING btree ("published_at");--> statement-breakpoint
CREATE INDEX "outbox_created_at_idx" ON "outbox" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_event_id_key" ON "transactions" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_one_fee_per_assignment" ON "transactions" USING btree ("task_id","assignment_no") WHERE "transactions"."kind" = 'ASSIGN_FEE';--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_one_reward_per_task" ON "transactions" USING btree ("task_id") WHERE "transactions"."kind" = 'TASK_REWARD';--> statement-breakpoint
CREATE INDEX "transactions_audit_idx" ON "transactions" USING btree ("account_id","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "transactions_audit_day_idx" ON "transactions" USING btree ("account_id","day","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "transactions_task_idx" ON "transactions" USING btree ("task_id");