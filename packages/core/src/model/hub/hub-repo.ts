import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Variant } from '../../quantization/variant-files.ts';
import { findGraph, graphCandidates, missingModelFiles, OPTIONAL_MODEL_FILES, REQUIRED_MODEL_FILES } from '../model-files.ts';
import { type DownloadedFile, downloadFile } from './download-file.ts';
import { HubFileNotFoundError, HubOfflineError } from './hub-errors.ts';
import type { DownloadProgress, HubOptions } from './hub-options.ts';

// A hub repo at one revision → one cache folder in the HF layout: `<cacheDir>/<org>/<name>` for the
// default branch (the layout a copied-in hub download has always used), `<org>/<name>@<revision>`
// for a pinned one, so two revisions never share files. A folder that has what the cell needs is
// used without a request; `hub-download.json` records what was fetched (sizes, sha256, ETags, the
// commit) and which graph files the repo lacks, so a variant the repo has no file for is asked once.

export const HUB_RECORD_FILE = 'hub-download.json';

type HubRecord = {
  repo: string;
  revision: string | null;
  endpoint: string;
  commit: string | null;
  files: Record<string, Omit<DownloadedFile, 'commit'>>;
  /** Graph files the repo answered 404 for. */
  absent: string[];
};

export type FetchRepoRequest = {
  repo: string;
  revision: string | null;
  cacheDir: string;
  variant: Variant;
  hub: HubOptions;
  onProgress?: ((p: DownloadProgress) => void) | undefined;
};

export function hubFolder(cacheDir: string, repo: string, revision: string | null): string {
  return join(cacheDir, revision === null ? repo : `${repo}@${encodeURIComponent(revision)}`);
}

export const hubFileUrl = (endpoint: string, repo: string, revision: string | null, file: string) =>
  `${endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision ?? 'main')}/${file}`;

const inFlight = new Map<string, Promise<string>>();

/** The cache folder of the repo at its revision, with the required files and a graph for `variant` (or the fp32 one to build it from). */
export function fetchHubRepo(req: FetchRepoRequest): Promise<string> {
  // Two cells of one process asking for one repo share a download.
  const key = `${hubFolder(req.cacheDir, req.repo, req.revision)}|${req.variant}`;
  let job = inFlight.get(key);
  if (job === undefined) {
    job = fetchRepo(req).finally(() => inFlight.delete(key));
    inFlight.set(key, job);
  }
  return job;
}

async function fetchRepo(req: FetchRepoRequest): Promise<string> {
  const folder = hubFolder(req.cacheDir, req.repo, req.revision);
  const record = readRecord(folder) ?? {
    repo: req.repo,
    revision: req.revision,
    endpoint: req.hub.endpoint,
    commit: null,
    files: {},
    absent: [],
  };
  const variantFiles = graphCandidates(req.variant);
  const hasGraph = () =>
    findGraph(folder, req.variant) !== null ||
    (findGraph(folder, 'fp32') !== null && (req.hub.offline || variantFiles.every((f) => record.absent.includes(f))));
  if (missingModelFiles(folder).length === 0 && hasGraph()) return folder;
  if (req.hub.offline) {
    throw new HubOfflineError(
      `hf:${req.repo}${req.revision === null ? '' : `@${req.revision}`} is not in the cache and HF_HUB_OFFLINE is set: ` +
        `missing ${missingModelFiles(folder).join(', ')} under ${folder}. Copy a hub download of the repo there, or unset HF_HUB_OFFLINE.`,
    );
  }
  const fetchFile = async (file: string) => {
    const url = hubFileUrl(req.hub.endpoint, req.repo, req.revision, file);
    const got = await downloadFile({ repo: req.repo, file, url, dest: join(folder, file), hub: req.hub, onProgress: req.onProgress });
    const { commit, ...rest } = got;
    record.commit ??= commit;
    record.files[file] = rest;
    writeRecord(folder, record);
  };
  for (const file of REQUIRED_MODEL_FILES) if (!existsSync(join(folder, file))) await fetchFile(file);
  for (const file of OPTIONAL_MODEL_FILES) {
    if (!existsSync(join(folder, file))) await fetchFile(file).catch(ignoreNotFound);
  }
  // The variant's own file first; when the repo has none, the fp32 graph it is built from (resolve-model.ts).
  const order = req.variant === 'fp32' ? variantFiles : [...variantFiles, ...graphCandidates('fp32')];
  for (const file of order) {
    if (hasGraph()) break;
    if (existsSync(join(folder, file)) || record.absent.includes(file)) continue;
    const found = await fetchFile(file).then(
      () => true,
      (err: unknown) => {
        ignoreNotFound(err);
        return false;
      },
    );
    if (!found) {
      record.absent.push(file);
      writeRecord(folder, record);
    }
  }
  if (findGraph(folder, 'fp32') === null && findGraph(folder, req.variant) === null) {
    throw new HubFileNotFoundError(
      `hf:${req.repo} has no ONNX decoder at revision ${req.revision ?? 'main'}: none of ${order.join(', ')} (404 from ${req.hub.endpoint})`,
    );
  }
  return folder;
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof HubFileNotFoundError)) throw err;
}

function readRecord(folder: string): HubRecord | null {
  try {
    return JSON.parse(readFileSync(join(folder, HUB_RECORD_FILE), 'utf8')) as HubRecord;
  } catch {
    return null;
  }
}

function writeRecord(folder: string, record: HubRecord): void {
  const path = join(folder, HUB_RECORD_FILE);
  const tmp = `${path}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`; // two cells of one process may write it at once
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, path);
}
