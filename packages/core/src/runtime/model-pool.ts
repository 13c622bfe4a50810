import { readDecoderConfig } from './decoder-config.ts';
import { DecoderSession, type SessionOptions } from './decoder-session.ts';
import { loadTokenizer, type TextTokenizer } from './tokenizer.ts';

/** What the pool needs of a resolved model (model/resolve-model.ts's ResolvedModel has more): its folder and graph file. */
export type ModelFiles = { folder: string; file: string };

export type LoadedModel<M extends ModelFiles = ModelFiles> = { model: M; session: DecoderSession; tokenizer: TextTokenizer };

type Releasable = { release(): Promise<void> };

/**
 * Loaded sessions kept per process, least recently used evicted first: a worker that runs
 * many cells of one model loads it once. Keyed by file, threads, device and pinned provider.
 */
export class ModelPool {
  private readonly entries = new Map<string, Promise<LoadedModel>>();
  /** Things built from a loaded model (layer segments with exit heads), least recently used evicted first. */
  private readonly derived = new Map<string, Promise<Releasable>>();

  constructor(readonly capacity = 2) {}

  async get<M extends ModelFiles>(model: M, options: SessionOptions): Promise<LoadedModel<M>> {
    const key = `${model.file}|${options.threads}|${options.executionProvider}|${options.backend ?? 'chosen'}`;
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, entry);
      // Same file, threads and provider: the model the entry was loaded for describes this one too.
      return entry as Promise<LoadedModel<M>>;
    }
    entry = (async () => {
      const config = await readDecoderConfig(model.folder);
      const [session, tokenizer] = await Promise.all([DecoderSession.load(model.file, config, options), loadTokenizer(model.folder)]);
      return { model, session, tokenizer };
    })();
    this.entries.set(key, entry);
    entry.catch(() => this.entries.delete(key));
    await this.evict();
    return entry as Promise<LoadedModel<M>>;
  }

  private async evict(): Promise<void> {
    while (this.entries.size > this.capacity) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Promise<LoadedModel>];
      this.entries.delete(oldestKey);
      await oldest.then((m) => m.session.release()).catch(() => undefined);
    }
  }

  /** A derived model under `key` (loaded once by `load`), kept like models; released on eviction and clear(). */
  async derivedModel<T extends Releasable>(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.derived.get(key);
    if (entry) this.derived.delete(key);
    else {
      entry = load();
      entry.catch(() => this.derived.delete(key));
    }
    this.derived.set(key, entry); // most recently used last
    while (this.derived.size > this.capacity) {
      const [oldestKey, oldest] = this.derived.entries().next().value as [string, Promise<Releasable>];
      this.derived.delete(oldestKey);
      await oldest.then((m) => m.release()).catch(() => undefined);
    }
    return entry as Promise<T>;
  }

  async clear(): Promise<void> {
    const derived = [...this.derived.values()];
    this.derived.clear();
    await Promise.all(derived.map((p) => p.then((m) => m.release()).catch(() => undefined)));
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((p) => p.then((m) => m.session.release()).catch(() => undefined)));
  }
}
