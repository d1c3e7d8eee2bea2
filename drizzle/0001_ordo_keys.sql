CREATE TABLE `ordo_keys` (
	`kind` text NOT NULL,
	`id` text NOT NULL,
	`added_at` text NOT NULL,
	PRIMARY KEY(`kind`, `id`)
);
