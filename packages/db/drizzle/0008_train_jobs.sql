CREATE TABLE `train_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`device` text NOT NULL,
	`request` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempt` integer DEFAULT 0 NOT NULL,
	`worker_id` text,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`progress` text,
	`curve` text DEFAULT '[]' NOT NULL,
	`model_id` text,
	`version` text,
	`outcome` text,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `train_jobs_created_idx` ON `train_jobs` (`created_at`);