import { getCellOutputs, getExperimentOutputs } from '@inferlab/db';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';

/** `GET /v1/cells/:id/outputs`: what the model said, every measured request's text and token ids. */
export function cellOutputsRoutes(deps: Pick<AppDeps, 'db'>) {
  return new Hono().get('/:id/outputs', DOCS.cellOutputs, (c) => {
    const outputs = getCellOutputs(deps.db, c.req.param('id'));
    return outputs === null ? jsonError(c, 404, 'not_found', `no cell with id "${c.req.param('id')}"`) : c.json(outputs);
  });
}

/** `GET /v1/experiments/:id/outputs`: per prompt, each cell's output against its model's fp32 greedy cell. */
export function experimentOutputsRoutes(deps: Pick<AppDeps, 'db'>) {
  return new Hono().get('/:id/outputs', DOCS.experimentOutputs, (c) => {
    const prompts = getExperimentOutputs(deps.db, c.req.param('id'));
    return prompts === null
      ? jsonError(c, 404, 'not_found', `no experiment with id "${c.req.param('id')}"`)
      : c.json({ experimentId: c.req.param('id'), prompts });
  });
}
