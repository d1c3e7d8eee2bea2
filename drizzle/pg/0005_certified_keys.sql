CREATE TABLE "crls" (
	"ca" text PRIMARY KEY NOT NULL,
	"this_update" text COLLATE "C" NOT NULL,
	"next_update" text,
	"der" "bytea" NOT NULL,
	"loaded_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "key_certificates" (
	"kid" text NOT NULL,
	"ca" text NOT NULL,
	"serial" text NOT NULL,
	CONSTRAINT "key_certificates_ca_serial_kid_pk" PRIMARY KEY("ca","serial","kid")
);
--> statement-breakpoint
ALTER TABLE "actor_keys" ADD COLUMN "valid_from" text;--> statement-breakpoint
ALTER TABLE "actor_keys" ADD COLUMN "valid_until" text;--> statement-breakpoint
ALTER TABLE "actor_keys" ADD COLUMN "x5c" text;--> statement-breakpoint
ALTER TABLE "actor_keys" ADD COLUMN "cas" text;--> statement-breakpoint
ALTER TABLE "key_certificates" ADD CONSTRAINT "key_certificates_kid_actor_keys_kid_fk" FOREIGN KEY ("kid") REFERENCES "public"."actor_keys"("kid") ON DELETE no action ON UPDATE no action;