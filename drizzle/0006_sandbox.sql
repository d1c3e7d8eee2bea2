CREATE TABLE `sandbox` (
	`id` integer PRIMARY KEY NOT NULL,
	`offset_ms` integer DEFAULT 0 NOT NULL,
	`marked_at` text NOT NULL,
	CONSTRAINT "sandbox_one_row" CHECK("sandbox"."id" = 1)
);
