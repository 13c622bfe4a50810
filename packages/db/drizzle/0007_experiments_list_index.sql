CREATE INDEX `experiments_created_idx` ON `experiments` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `experiments_status_created_idx` ON `experiments` (`status`,`created_at`);