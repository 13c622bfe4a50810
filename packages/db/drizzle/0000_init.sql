CREATE TABLE `cells` (
	`id` text PRIMARY KEY NOT NULL,
	`experiment_id` text NOT NULL,
	`index` integer NOT NULL,
	`config` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempt` integer DEFAULT 0 NOT NULL,
	`worker_id` text,
	`error` text,
	`started_at` text,
	`finished_at` text,
	`model_file` text,
	`model_sha256` text,
	`model_file_bytes` integer,
	`model_param_count` integer,
	`model_param_bytes` integer,
	`environment` text,
	`memory` text,
	`cpu` text,
	`wall_ms` real,
	`metrics_version` text,
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cells_experiment_index_unique` ON `cells` (`experiment_id`,`index`);--> statement-breakpoint
CREATE INDEX `cells_experiment_status_idx` ON `cells` (`experiment_id`,`status`);--> statement-breakpoint
CREATE TABLE `experiments` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`matrix` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`cell_id` text NOT NULL,
	`repetition` integer NOT NULL,
	`prompt_index` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`tokenize_ms` real NOT NULL,
	`n_out` integer NOT NULL,
	`ttft_ms` real NOT NULL,
	`e2el_ms` real NOT NULL,
	`tpot_ms` real,
	`started_at` real NOT NULL,
	`stop_reason` text NOT NULL,
	`text` text NOT NULL,
	`output_token_ids` text NOT NULL,
	FOREIGN KEY (`cell_id`) REFERENCES `cells`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `requests_cell_repetition_prompt_unique` ON `requests` (`cell_id`,`repetition`,`prompt_index`);--> statement-breakpoint
CREATE TABLE `token_events` (
	`request_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`t_ms` real NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`request_id`, `seq`),
	FOREIGN KEY (`request_id`) REFERENCES `requests`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `workers` (
	`id` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`device_class` text NOT NULL,
	`execution_provider` text NOT NULL,
	`threads` integer NOT NULL,
	`pid` integer NOT NULL,
	`versions` text NOT NULL,
	`started_at` text NOT NULL,
	`last_heartbeat_at` text NOT NULL,
	`current_cell_id` text
);
--> statement-breakpoint
CREATE INDEX `workers_last_heartbeat_idx` ON `workers` (`last_heartbeat_at`);