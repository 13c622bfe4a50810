ALTER TABLE `cells` ADD `energy` text;--> statement-breakpoint
ALTER TABLE `requests` ADD `queue_ms` real;