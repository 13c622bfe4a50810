import { PermanentError } from '@inferlab/experiments';
/** A cell stopped because its experiment was cancelled (checked between requests and decode steps). */
export class CellCancelledError extends PermanentError {
  override name = 'CellCancelledError';
}
