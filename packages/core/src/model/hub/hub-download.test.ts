// hf: models downloaded by the real code path from a local server with the hub's URL layout
// (hub-test-server.ts): redirects to a CDN on another origin, ETags, 404s, a transfer cut off once.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPermanent, RetryableError } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../../test/helpers/models.ts';
import { toMergedDecoder } from '../../forge/optimum-merged-decoder.ts';
import { decodeModel, encodeModel } from '../../onnx/index.ts';
import { type ResolveOptions, resolveModel } from '../resolve-model.ts';
import { HubFileNotFoundError, HubOfflineError, HubUnreachableError } from './hub-errors.ts';
import type { DownloadProgress, HubOptions } from './hub-options.ts';
import { HUB_RECORD_FILE } from './hub-repo.ts';
import { type HubRepos, type HubTestServer, startHubTestServer } from './hub-test-server.ts';

const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'special_tokens_map.json'];
const REPO = 'inferlab-test/gpt2-tiny';
const TOKEN = 'hf_test_secret';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let server: HubTestServer;
let work: string;
let main: Record<string, Uint8Array>;

beforeAll(async () => {
  const tiny = join(await sharedModelsDir(['gpt2-tiny']), 'forge', 'gpt2-tiny');
  main = Object.fromEntries([...FILES, 'onnx/model.onnx'].map((f) => [f, readFileSync(join(tiny, f))]));
  const config = JSON.parse(readFileSync(join(tiny, 'config.json'), 'utf8'));
  const v2 = { ...main, 'config.json': Buffer.from(JSON.stringify({ ...config, inferlab_revision: 'v2' })) };
  const { 'tokenizer_config.json': _, ...noTokenizerConfig } = main;
  const { 'onnx/model.onnx': graph, ...rest } = main;
  const merged = { ...rest, 'onnx/decoder_model_merged.onnx': encodeModel(toMergedDecoder(decodeModel(graph as Uint8Array))) };
  const repos: HubRepos = {
    [REPO]: { main, v2 },
    'inferlab-test/no-tokenizer-config': { main: noTokenizerConfig },
    'inferlab-test/gpt2-tiny-merged': { main: merged },
  };
  server = await startHubTestServer(repos);
  work = mkdtempSync(join(tmpdir(), 'hub-download-'));
}, 120_000);
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

const hubOptions = (over: Partial<HubOptions> = {}): HubOptions => ({
  endpoint: server.endpoint,
  token: TOKEN,
  offline: false,
  backoffMs: 10,
  ...over,
});
const options = (modelsDir: string, over: Partial<ResolveOptions> = {}): ResolveOptions => ({
  modelsDir: join(work, modelsDir),
  modelRoots: [],
  hub: hubOptions(),
  ...over,
});
const requestsDuring = async <T>(f: () => Promise<T>) => {
  const before = server.requests.length;
  const value = await f();
  return { value, requests: server.requests.slice(before) };
};

describe('hf: downloads from a hub (a local server with its URL layout)', () => {
  it('downloads every file through the CDN redirect, retries a cut-off transfer, sends the token to the endpoint only, reports bytes', async () => {
    server.dropOnce.add('model.onnx');
    const progress: DownloadProgress[] = [];
    const { value: m, requests } = await requestsDuring(() =>
      resolveModel(`hf:${REPO}`, 'fp32', options('a', { onDownload: (p) => progress.push(p) })),
    );
    expect(m.folder).toBe(join(work, 'a', 'hf', REPO));
    expect(m.file).toBe(join(m.folder, 'onnx/model.onnx'));
    for (const [file, bytes] of Object.entries(main)) expect(sha256(readFileSync(join(m.folder, file))), file).toBe(sha256(bytes));
    expect(readdirSync(join(m.folder, 'onnx'))).toEqual(['model.onnx']); // no temp file left by the cut-off transfer

    const graphSha = sha256(main['onnx/model.onnx'] as Uint8Array);
    const cdn = requests.filter((r) => r.server === 'cdn');
    expect(cdn.map((r) => r.path.split('?')[0])).toEqual([`/cdn/${graphSha}`, `/cdn/${graphSha}`]); // cut off once, retried
    expect(requests.filter((r) => r.server === 'hub').every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(cdn.every((r) => r.authorization === undefined)).toBe(true);
    expect(requests.some((r) => r.path === `/${REPO}/resolve/main/tokenizer_config.json`)).toBe(true);

    const graph = progress.filter((p) => p.file === 'onnx/model.onnx');
    const size = (main['onnx/model.onnx'] as Uint8Array).length;
    expect(graph.at(-1)).toEqual({ repo: REPO, file: 'onnx/model.onnx', loaded: size, total: size });
    expect(graph.every((p) => p.total === size)).toBe(true);

    const record = JSON.parse(readFileSync(join(m.folder, HUB_RECORD_FILE), 'utf8'));
    expect(record.files['onnx/model.onnx']).toMatchObject({ bytes: size, sha256: graphSha, etag: graphSha });
    expect(record.commit).toMatch(/^[0-9a-f]{40}$/);

    // Cached: the next resolve asks nothing.
    const again = await requestsDuring(() => resolveModel(`hf:${REPO}`, 'fp32', options('a')));
    expect(again.requests).toEqual([]);
  });

  it('a busy hub (503) is asked again after a backoff', async () => {
    server.busyOnce.add('tokenizer.json');
    const { value: m, requests } = await requestsDuring(() => resolveModel(`hf:${REPO}`, 'fp32', options('busy')));
    expect(requests.filter((r) => r.path === `/${REPO}/resolve/main/tokenizer.json`)).toHaveLength(2);
    expect(sha256(readFileSync(join(m.folder, 'tokenizer.json')))).toBe(sha256(main['tokenizer.json'] as Uint8Array));
  });

  it('a pinned revision downloads that revision into its own folder', async () => {
    const { value: m, requests } = await requestsDuring(() => resolveModel(`hf:${REPO}@v2`, 'fp32', options('a')));
    expect(m.folder).toBe(join(work, 'a', 'hf', `${REPO}@v2`));
    expect(JSON.parse(readFileSync(join(m.folder, 'config.json'), 'utf8')).inferlab_revision).toBe('v2');
    expect(JSON.parse(readFileSync(join(work, 'a', 'hf', REPO, 'config.json'), 'utf8')).inferlab_revision).toBeUndefined();
    expect(requests.filter((r) => r.server === 'hub').every((r) => r.path.startsWith(`/${REPO}/resolve/v2/`))).toBe(true);
    const missing = await resolveModel(`hf:${REPO}@v3`, 'fp32', options('a')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HubFileNotFoundError);
  });

  it('HF_ENDPOINT: a mirror under a base path is asked instead of the hub', async () => {
    const { requests } = await requestsDuring(() =>
      resolveModel(`hf:${REPO}`, 'fp32', options('mirror', { hub: hubOptions({ endpoint: `${server.endpoint}/mirror/` }) })),
    );
    const hub = requests.filter((r) => r.server === 'hub');
    expect(hub.length).toBeGreaterThanOrEqual(4);
    expect(hub.every((r) => r.path.startsWith(`/mirror/${REPO}/resolve/main/`))).toBe(true);
  });

  it('HF_HUB_OFFLINE: a cached repo resolves without a request; an uncached one fails clearly without one', async () => {
    const offline = options('a', { hub: hubOptions({ offline: true }) });
    const cached = await requestsDuring(() => resolveModel(`hf:${REPO}@v2`, 'fp32', offline));
    expect(cached.requests).toEqual([]);
    expect(cached.value.folder).toBe(join(work, 'a', 'hf', `${REPO}@v2`));
    const uncached = await requestsDuring(() => resolveModel(`hf:${REPO}@v9`, 'fp32', offline).catch((e: unknown) => e));
    expect(uncached.requests).toEqual([]);
    expect(uncached.value).toBeInstanceOf(HubOfflineError);
    expect(isPermanent(uncached.value)).toBe(true);
    expect((uncached.value as Error).message).toMatch(/HF_HUB_OFFLINE/);
    expect((uncached.value as Error).message).toMatch(/config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model\.onnx/);
  });

  it('a 404 for a required file fails permanently, naming the file and the repo', async () => {
    const err = await resolveModel('hf:inferlab-test/no-tokenizer-config', 'fp32', options('b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubFileNotFoundError);
    expect(isPermanent(err)).toBe(true);
    expect((err as Error).message).toMatch(/hf:inferlab-test\/no-tokenizer-config has no file tokenizer_config\.json/);
  });

  it('a hub that stays unreachable is a retryable failure after the download’s own attempts', async () => {
    const { cdnOrigin } = server;
    const dead = 'http://127.0.0.1:9';
    const err = await resolveModel(`hf:${REPO}`, 'fp32', options('c', { hub: hubOptions({ endpoint: dead, attempts: 3 }) })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HubUnreachableError);
    expect(err).toBeInstanceOf(RetryableError);
    expect(isPermanent(err)).toBe(false);
    expect((err as Error).message).toMatch(/after 3 attempts/);
    expect(cdnOrigin).not.toBe(server.endpoint);
  });

  it('a repo with only the merged decoder downloads it after model.onnx’s 404', async () => {
    const m = await resolveModel('hf:inferlab-test/gpt2-tiny-merged', 'fp32', options('d'));
    expect(m.file).toBe(join(m.folder, 'onnx/decoder_model_merged.onnx'));
    expect(JSON.parse(readFileSync(join(m.folder, HUB_RECORD_FILE), 'utf8')).absent).toEqual(['onnx/model.onnx']);
  });

  it('a variant the repo has no file for is built from its fp32 graph into the cache, asked for once', async () => {
    const { value: m, requests } = await requestsDuring(() => resolveModel(`hf:${REPO}`, 'int8', options('a')));
    expect(requests.map((r) => r.path)).toEqual([
      `/${REPO}/resolve/main/onnx/model_int8.onnx`,
      `/${REPO}/resolve/main/onnx/decoder_model_merged_int8.onnx`,
    ]);
    expect(m.file).toBe(join(work, 'a', 'derived', sha256(main['onnx/model.onnx'] as Uint8Array), 'onnx/model_int8.onnx'));
    expect(readdirSync(join(m.folder, 'onnx'))).toEqual(['model.onnx']);
    const again = await requestsDuring(() => resolveModel(`hf:${REPO}`, 'int8', options('a')));
    expect(again.requests).toEqual([]);
    expect(again.value.file).toBe(m.file);
  });
});
