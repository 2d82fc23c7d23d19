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
CREATE TABLE "account_days" (
	"account_id" uuid NOT NULL,
	"day" date NOT NULL,
	"balance" bigint NOT NULL,
	CONSTRAINT "account_days_account_id_day_pk" PRIMARY KEY("account_id","day")
);
--> statement-breakpoint
CREATE TABLE "daily_earnings" (
	"day" date PRIMARY KEY NOT NULL,
	"fees_charged" bigint DEFAULT 0 NOT NULL,
	"rewards_paid" bigint DEFAULT 0 NOT NULL,
	"transactions" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "red_counts" (
	"day" date PRIMARY KEY NOT NULL,
	"popugs" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"title" text,
	"jira_id" text,
	"reward" bigint,
	"completed_at" timestamp with time zone,
	"completed_day" date,
	"completed_week" date,
	"completed_month" date
);
--> statement-breakpoint
CREATE INDEX "dead_letters_status_idx" ON "dead_letters" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "outbox" USING btree ("seq") WHERE "outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "outbox" USING btree ("published_at");--> statement-breakpoint
CREATE INDEX "outbox_created_at_idx" ON "outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "tasks_top_of_day_idx" ON "tasks" USING btree ("completed_day","reward" DESC NULLS FIRST,"completed_at","id") WHERE "tasks"."reward" is not null and "tasks"."completed_at" is not null;--> statement-breakpoint
CREATE INDEX "tasks_top_of_week_idx" ON "tasks" USING btree ("completed_week","reward" DESC NULLS FIRST,"completed_at","id") WHERE "tasks"."reward" is not null and "tasks"."completed_at" is not null;--> statement-breakpoint
CREATE INDEX "tasks_top_of_month_idx" ON "tasks" USING btree ("completed_month","reward" DESC NULLS FIRST,"completed_at","id") WHERE "tasks"."reward" is not null and "tasks"."completed_at" is not null;