-- Keys live 24 h; those of the old shape (per company, not per caller) are dropped rather than guessed.
DELETE FROM "idempotency_keys";--> statement-breakpoint
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_company_id_key_pk";--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_company_id_user_id_key_pk" PRIMARY KEY("company_id","user_id","key");--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "target" text NOT NULL;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "ref" text;--> statement-breakpoint
CREATE INDEX "messages_pending_idx" ON "messages" USING btree ("session_id") WHERE "messages"."status" = 'pending';