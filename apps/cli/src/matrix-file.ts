import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { CliFailure } from './errors.ts';

/**
 * A matrix file as the api's JSON body: `.json` parsed as JSON, anything else as YAML (a superset
 * of JSON). Only syntax is checked here; the api validates the fields and names each bad one.
 */
export async function readMatrixFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliFailure(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  if (extname(path).toLowerCase() === '.json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new CliFailure(`${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) throw new CliFailure(`${path} is not valid YAML: ${first.message}`);
  return doc.toJS();
}
