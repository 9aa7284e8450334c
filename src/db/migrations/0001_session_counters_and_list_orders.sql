DROP INDEX "chats_session_type_activity_idx";--> statement-breakpoint
DROP INDEX "chats_session_activity_idx";--> statement-breakpoint
DROP INDEX "messages_chat_ts_idx";--> statement-breakpoint
ALTER TABLE "wa_sessions" ADD COLUMN "individual_chats" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "wa_sessions" ADD COLUMN "group_chats" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "wa_sessions" ADD COLUMN "status_chats" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "wa_sessions" ADD COLUMN "message_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "wa_sessions" ADD COLUMN "sent_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "chats_session_type_activity_idx" ON "chats" USING btree ("session_id","chat_type","last_message_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "chats_session_activity_idx" ON "chats" USING btree ("session_id","last_message_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "messages_chat_ts_idx" ON "messages" USING btree ("chat_id","timestamp" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
-- Backfill the new counters from what is stored; from here on the ingest maintains them.
UPDATE "wa_sessions" s SET
  "individual_chats" = c.individual, "group_chats" = c.groups, "status_chats" = c.status,
  "message_count" = c.messages, "sent_count" = c.sent
FROM (
  SELECT "session_id",
    count(*) FILTER (WHERE "chat_type" = 'individual') AS individual,
    count(*) FILTER (WHERE "chat_type" = 'group') AS groups,
    count(*) FILTER (WHERE "chat_type" = 'status') AS status,
    coalesce(sum("message_count"), 0) AS messages,
    coalesce(sum("sent_count"), 0) AS sent
  FROM "chats" GROUP BY "session_id"
) c
WHERE c."session_id" = s."id";
