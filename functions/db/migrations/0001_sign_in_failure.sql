CREATE TABLE "sign_in_failure" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"window_started_at" timestamp (3) with time zone NOT NULL,
	"locked_until" timestamp (3) with time zone,
	CONSTRAINT "sign_in_failure_failures_positive" CHECK ("sign_in_failure"."failures" > 0)
);
--> statement-breakpoint
CREATE INDEX "sign_in_failure_window_started_at_idx" ON "sign_in_failure" USING btree ("window_started_at");