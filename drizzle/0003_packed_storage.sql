-- Packed storage (design § Storage): the events table is copied once into its packed layout; the
-- rows copied keep their text values, which the store reads as they are and the sweep packs
-- (events_unpacked finds them). drizzle-kit's copy named the new columns in its SELECT too:
-- written by hand to copy the old ones only.
CREATE TABLE `receipt_signers` (
	`id` integer PRIMARY KEY NOT NULL,
	`alg` text NOT NULL,
	`kid` text NOT NULL,
	`iss` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `receipt_signers_kid_iss` ON `receipt_signers` (`kid`,`iss`);--> statement-breakpoint
CREATE TABLE `__new_events` (
	`prescription_id` text NOT NULL,
	`idx` integer NOT NULL,
	`seq` integer PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`at` blob NOT NULL,
	`actor` blob NOT NULL,
	`claim` text,
	`proof` blob,
	`proof_hash` blob,
	`prev_hash` blob,
	`hash` blob NOT NULL,
	`receipt` text,
	`receipt_sig` blob,
	`receipt_signer` integer,
	`claimed_until` integer
);
--> statement-breakpoint
INSERT INTO `__new_events`("prescription_id", "idx", "seq", "type", "at", "actor", "claim", "proof", "proof_hash", "prev_hash", "hash", "receipt") SELECT "prescription_id", "idx", "seq", "type", "at", "actor", "claim", "proof", "proof_hash", "prev_hash", "hash", "receipt" FROM `events` ORDER BY "seq";--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `__new_events` RENAME TO `events`;--> statement-breakpoint
CREATE UNIQUE INDEX `events_rx_idx` ON `events` (`prescription_id`,`idx`);--> statement-breakpoint
CREATE INDEX `events_claimed` ON `events` (`claim`) WHERE type = 'claimed';--> statement-breakpoint
CREATE INDEX `events_unpacked` ON `events` (`prescription_id`) WHERE typeof(hash) = 'text';