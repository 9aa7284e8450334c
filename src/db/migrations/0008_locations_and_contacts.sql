ALTER TABLE "messages" ADD COLUMN "location" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "contacts" jsonb;