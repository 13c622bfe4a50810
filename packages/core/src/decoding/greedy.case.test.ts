import { strategyConformance } from '../testing/strategy-conformance.ts';
import { greedyStrategy } from './greedy.ts';

strategyConformance('greedy (KV cache)', {
  model: 'gpt2-tiny',
  make: async (t) => greedyStrategy(t.session, { useCache: true }),
  equalsGreedy: true,
});

// Recomputing the whole sequence every step must give the cached run's tokens.
strategyConformance('greedy (no cache)', {
  model: 'gpt2-tiny',
  make: async (t) => greedyStrategy(t.session, { useCache: false }),
  equalsGreedy: true,
});

// A prompt prefilled in chunks (each appending to the cache) must give the one-forward tokens.
strategyConformance('greedy (KV cache, prefill in chunks of 3)', {
  model: 'gpt2-tiny',
  make: async (t) => greedyStrategy(t.session, { useCache: true, prefillChunk: 3 }),
  equalsGreedy: true,
});
