ALTER TABLE `experiments` ADD `owner` text;--> statement-breakpoint
-- Prompts are stored once per experiment (experiments.matrix): cells written before keep theirs
-- only where they differ from the matrix's (none should). Cell ids are unchanged (they are hashes
-- of the whole config, computed at submit).
UPDATE `cells` SET `config` = json_remove(`config`, '$.prompts')
WHERE json_extract(`config`, '$.prompts') = (SELECT json_extract(e.`matrix`, '$.prompts') FROM `experiments` e WHERE e.`id` = `cells`.`experiment_id`);
