import { getCell, getCellTokens } from '@inferlab/db';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { withoutHostPaths } from '../http/host-paths.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';

/** `GET /v1/cells/:id` (the cell, its model) and `GET /v1/cells/:id/tokens` (every token event). */
export function cellsRoutes(deps: Pick<AppDeps, 'db'>) {
  return new Hono()
    .get('/:id', DOCS.getCell, (c) => {
      const cell = getCell(deps.db, c.req.param('id'));
      if (cell === null) return jsonError(c, 404, 'not_found', `no cell with id "${c.req.param('id')}"`);
      const { modelFile, modelSha256, modelFileBytes, modelParamCount, modelParamBytes, ...rest } = cell;
      const model =
        modelSha256 === null
          ? null
          : { file: modelFile, sha256: modelSha256, fileBytes: modelFileBytes, paramCount: modelParamCount, paramBytes: modelParamBytes };
      return c.json(withoutHostPaths({ ...rest, model }));
    })
    .get('/:id/tokens', DOCS.cellTokens, (c) => {
      const tokens = getCellTokens(deps.db, c.req.param('id'));
      return tokens === null ? jsonError(c, 404, 'not_found', `no cell with id "${c.req.param('id')}"`) : c.json(tokens);
    });
}
