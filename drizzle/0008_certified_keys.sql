CREATE TABLE `crls` (
	`ca` text PRIMARY KEY NOT NULL,
	`this_update` text NOT NULL,
	`next_update` text,
	`der` blob NOT NULL,
	`loaded_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `key_certificates` (
	`kid` text NOT NULL,
	`ca` text NOT NULL,
	`serial` text NOT NULL,
	PRIMARY KEY(`ca`, `serial`, `kid`),
	FOREIGN KEY (`kid`) REFERENCES `actor_keys`(`kid`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `actor_keys` ADD `valid_from` text;--> statement-breakpoint
ALTER TABLE `actor_keys` ADD `valid_until` text;--> statement-breakpoint
ALTER TABLE `actor_keys` ADD `x5c` text;--> statement-breakpoint
ALTER TABLE `actor_keys` ADD `cas` text;