CREATE TABLE "billing_day_accounts" (
	"day" date NOT NULL,
	"account_id" uuid NOT NULL,
	"closing_balance" bigint NOT NULL,
	"payout_id" uuid,
	CONSTRAINT "billing_day_accounts_day_account_id_pk" PRIMARY KEY("day","account_id")
);
--> statement-breakpoint
CREATE TABLE "payouts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"day" date NOT NULL,
	"amount" bigint NOT NULL,
	"transaction_id" uuid NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"paid_at" timestamp with time zone,
	"provider_payment_id" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payouts_one_per_account_day" UNIQUE("account_id","day"),
	CONSTRAINT "payouts_amount_positive" CHECK ("payouts"."amount" > 0),
	CONSTRAINT "payouts_status" CHECK ("payouts"."status" in ('PENDING', 'PAID', 'FAILED')),
	CONSTRAINT "payouts_paid_has_time" CHECK (("payouts"."status" = 'PAID') = ("payouts"."paid_at" is not null))
);
--> statement-breakpoint
ALTER TABLE "billing_days" ADD COLUMN "accounts_paid" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "billing_days" ADD COLUMN "total_paid" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "billing_days" ADD COLUMN "accounts_in_red" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "billing_day_accounts" ADD CONSTRAINT "billing_day_accounts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payouts_due_idx" ON "payouts" USING btree ("next_attempt_at") WHERE "payouts"."status" <> 'PAID';--> statement-breakpoint
-- A paid payout is final: the money left, so nothing may turn it back into a payable one.
CREATE FUNCTION "paid_payout_is_final"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'payout % is PAID and final: % refused', OLD.id, TG_OP USING ERRCODE = 'raise_exception';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "payouts_paid_is_final" BEFORE UPDATE OR DELETE ON "payouts"
  FOR EACH ROW WHEN (OLD.status = 'PAID') EXECUTE FUNCTION "paid_payout_is_final"();
