import { postJson } from '../api/http.ts';

/** `POST /v1/experiments` with the matrix text as typed; the api is the validator. */
export const submitMatrix = (matrixJson: string): Promise<{ id: string; cells: { id: string }[] }> =>
  postJson<{ id: string; cells: { id: string }[] }>('/v1/experiments', matrixJson);
