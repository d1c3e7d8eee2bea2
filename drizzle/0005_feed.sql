CREATE TABLE `feed` (
	`actor_id` text NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`actor_id`, `seq`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `feed_readers` (
	`prescription_id` text NOT NULL,
	`actor_id` text NOT NULL,
	`since_idx` integer NOT NULL,
	PRIMARY KEY(`prescription_id`, `actor_id`)
) WITHOUT ROWID;
--> statement-breakpoint
-- The feed of what was recorded before it: each prescriber reads its prescriptions from index 0, each pharmacy from its first claim.
INSERT INTO `feed_readers` (`prescription_id`, `actor_id`, `since_idx`) SELECT `id`, `prescriber_id`, 0 FROM `prescriptions`;
--> statement-breakpoint
INSERT OR IGNORE INTO `feed_readers` (`prescription_id`, `actor_id`, `since_idx`)
  SELECT `prescription_id`, `actor_id`, min(`idx`) FROM (
    SELECT `prescription_id`, `idx`,
      CASE typeof(`actor`) WHEN 'blob' THEN CAST(substr(`actor`, 34) AS TEXT) ELSE json_extract(`actor`, '$.id') END AS `actor_id`
    FROM `events` WHERE `type` = 'claimed'
  ) GROUP BY `prescription_id`, `actor_id`;
--> statement-breakpoint
INSERT INTO `feed` (`actor_id`, `seq`)
  SELECT r.`actor_id`, e.`seq` FROM `events` e JOIN `feed_readers` r ON r.`prescription_id` = e.`prescription_id` AND e.`idx` >= r.`since_idx`;
