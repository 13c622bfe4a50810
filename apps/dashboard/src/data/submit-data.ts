import { answer, jsonText, type Submitted } from '@inferlab/client';
import { api } from '../api/http.ts';

/** `POST /v1/experiments` with the matrix text as typed; the api is the validator. */
export const submitMatrix = (matrixJson: string): Promise<Submitted> => answer(api.v1.experiments.$post({}, jsonText(matrixJson)));
