-- The close counts its accounts paid from the day's totals instead of a billing_day_accounts
-- row per paid account (one row fewer per payout); the days before it are counted once here.
ALTER TABLE "daily_totals" ADD COLUMN "payout_count" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE "daily_totals" AS d SET "payout_count" = p.n
  FROM (SELECT "day", count(*)::int AS n FROM "payouts" GROUP BY "day") AS p
  WHERE d."day" = p."day";
