CREATE TABLE `actor_keys` (
	`actor_id` text NOT NULL,
	`kid` text NOT NULL,
	`jwk` text NOT NULL,
	`alg` text NOT NULL,
	`added_at` text NOT NULL,
	`revoked_at` text,
	PRIMARY KEY(`actor_id`, `kid`),
	FOREIGN KEY (`actor_id`) REFERENCES `actors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `actor_keys_kid` ON `actor_keys` (`kid`);--> statement-breakpoint
CREATE TABLE `actors` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`profession` text,
	`specialty` text,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `code_attempts` (
	`client` text NOT NULL,
	`window` integer NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`client`, `window`)
);
--> statement-breakpoint
CREATE TABLE `dispensations` (
	`pharmacy_id` text NOT NULL,
	`jti` text NOT NULL,
	`prescription_id` text NOT NULL,
	`idx` integer NOT NULL,
	`mac` text NOT NULL,
	`answer` text NOT NULL,
	PRIMARY KEY(`pharmacy_id`, `jti`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`prescription_id` text NOT NULL,
	`idx` integer NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`claim` text,
	`proof` text,
	`proof_hash` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`receipt` text NOT NULL,
	PRIMARY KEY(`prescription_id`, `idx`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_seq` ON `events` (`seq`);--> statement-breakpoint
CREATE INDEX `events_claim` ON `events` (`claim`);--> statement-breakpoint
CREATE TABLE `prescriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`prescriber_id` text NOT NULL,
	`doc_jti` text NOT NULL,
	`doc_mac` text NOT NULL,
	`status` text NOT NULL,
	`version` integer NOT NULL,
	`head_hash` text NOT NULL,
	`code_version` integer NOT NULL,
	`token_key_id` text NOT NULL,
	`issued_at` text NOT NULL,
	`valid_until` text NOT NULL,
	`expires_at` integer NOT NULL,
	`item_count` integer NOT NULL,
	`terms` text NOT NULL,
	`progress` text NOT NULL,
	`claim_id` text,
	`claim_pharmacy` text,
	`claim_expires_at` integer,
	`claim_ttl` integer,
	`cancel_reason` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prescriptions_prescriber_jti` ON `prescriptions` (`prescriber_id`,`doc_jti`);--> statement-breakpoint
CREATE INDEX `prescriptions_prescriber_issued` ON `prescriptions` (`prescriber_id`,`issued_at`,`id`);--> statement-breakpoint
CREATE INDEX `prescriptions_open_expiry` ON `prescriptions` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `request_tokens` (
	`iss` text NOT NULL,
	`jti` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`iss`, `jti`)
);
--> statement-breakpoint
CREATE INDEX `request_tokens_expiry` ON `request_tokens` (`expires_at`);