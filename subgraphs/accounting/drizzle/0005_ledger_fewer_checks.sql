-- Per posting these cost a query (the foreign keys' checks) or a random index insert (event_id):
-- accounts are never deleted (the trigger below), rows are written under their account's lock,
-- and a second posting of one event is refused by its fact's unique index.
ALTER TABLE "billing_day_accounts" DROP CONSTRAINT "billing_day_accounts_account_id_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "payouts" DROP CONSTRAINT "payouts_account_id_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_account_id_accounts_id_fk";
--> statement-breakpoint
DROP INDEX "transactions_event_id_key";
--> statement-breakpoint
CREATE FUNCTION "accounts_are_never_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'accounts are never deleted: the ledger and payouts refer to them' USING ERRCODE = 'raise_exception';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "accounts_never_deleted" BEFORE DELETE ON "accounts"
  FOR EACH STATEMENT EXECUTE FUNCTION "accounts_are_never_deleted"();
