CREATE TABLE `distill_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`device` text NOT NULL,
	`request` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempt` integer DEFAULT 0 NOT NULL,
	`worker_id` text,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`progress` text,
	`version` text,
	`model_sha256` text,
	`metrics` text,
	`corpus` text,
	`train_seconds` real,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `distill_jobs_model_created_idx` ON `distill_jobs` (`model`,`created_at`);
