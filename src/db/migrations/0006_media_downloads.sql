CREATE TABLE "media_downloads" (
	"message_id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"session_id" text NOT NULL,
	"source" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "wa_sessions" ADD COLUMN "media_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "media_downloads" ADD CONSTRAINT "media_downloads_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media_downloads" ADD CONSTRAINT "media_downloads_session_id_wa_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."wa_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "media_downloads_due_idx" ON "media_downloads" USING btree ("next_attempt_at");--> statement-breakpoint
CREATE INDEX "messages_media_sha_idx" ON "messages" USING btree (("media"->>'sha256')) WHERE "messages"."media" is not null;--> statement-breakpoint
CREATE INDEX "messages_media_thumb_idx" ON "messages" USING btree (("media"->>'thumbnailSha256')) WHERE "messages"."media" is not null;--> statement-breakpoint
CREATE INDEX "messages_session_media_idx" ON "messages" USING btree ("session_id") WHERE "messages"."media" is not null;