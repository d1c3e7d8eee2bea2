CREATE TABLE "feed" (
	"actor_id" text NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "feed_actor_id_seq_pk" PRIMARY KEY("actor_id","seq")
);
--> statement-breakpoint
CREATE TABLE "feed_readers" (
	"prescription_id" text NOT NULL,
	"actor_id" text NOT NULL,
	"since_idx" integer NOT NULL,
	CONSTRAINT "feed_readers_prescription_id_actor_id_pk" PRIMARY KEY("prescription_id","actor_id")
);
--> statement-breakpoint
-- The feed of what was recorded before it: each prescriber reads its prescriptions from index 0, each pharmacy from its first claim.
INSERT INTO "feed_readers" ("prescription_id", "actor_id", "since_idx") SELECT "id", "prescriber_id", 0 FROM "prescriptions";
--> statement-breakpoint
INSERT INTO "feed_readers" ("prescription_id", "actor_id", "since_idx")
  SELECT "prescription_id", "actor_id", min("idx") FROM (
    SELECT "prescription_id", "idx",
      CASE get_byte("actor", 0) WHEN 0 THEN convert_from(substring("actor" from 35), 'UTF8') ELSE convert_from(substring("actor" from 2), 'UTF8')::json ->> 'id' END AS "actor_id"
    FROM "events" WHERE "type" = 'claimed'
  ) c GROUP BY "prescription_id", "actor_id"
  ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "feed" ("actor_id", "seq")
  SELECT r."actor_id", e."seq" FROM "events" e JOIN "feed_readers" r ON r."prescription_id" = e."prescription_id" AND e."idx" >= r."since_idx";
