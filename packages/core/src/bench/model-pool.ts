import type { ResolvedModel } from '../model/resolve-model.ts';
import { loadTokenizer, type TextTokenizer } from '../model/tokenizer.ts';
import { readDecoderConfig } from '../runtime/decoder-config.ts';
import { DecoderSession, type SessionOptions } from '../runtime/decoder-session.ts';

export type LoadedModel = { model: ResolvedModel; session: DecoderSession; tokenizer: TextTokenizer };

/**
 * Loaded sessions kept per process, least recently used evicted first: a worker that runs
 * many cells of one model loads it once. Keyed by file, threads and provider.
 */
export class ModelPool {
  private readonly entries = new Map<string, Promise<LoadedModel>>();

  constructor(readonly capacity = 2) {}

  async get(model: ResolvedModel, options: SessionOptions): Promise<LoadedModel> {
    const key = `${model.file}|${options.threads}|${options.executionProvider}`;
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, entry);
      return entry;
    }
    entry = (async () => {
      const config = await readDecoderConfig(model.folder);
      const [session, tokenizer] = await Promise.all([DecoderSession.load(model.file, config, options), loadTokenizer(model.folder)]);
      return { model, session, tokenizer };
    })();
    this.entries.set(key, entry);
    entry.catch(() => this.entries.delete(key));
    await this.evict();
    return entry;
  }

  private async evict(): Promise<void> {
    while (this.entries.size > this.capacity) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Promise<LoadedModel>];
      this.entries.delete(oldestKey);
      await oldest.then((m) => m.session.release()).catch(() => undefined);
    }
  }

  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((p) => p.then((m) => m.session.release()).catch(() => undefined)));
  }
}
