ALTER TABLE `requests` ADD `target_forwards` integer;--> statement-breakpoint
ALTER TABLE `requests` ADD `draft_tokens` integer;--> statement-breakpoint
ALTER TABLE `requests` ADD `accepted_tokens` integer;