// Cell views show what workers reported: failure reasons and model files can hold absolute paths of
// the worker's host (its working directory, node_modules, a temp folder). Views keep host names and
// versions but cut such paths to their last two segments — enough to tell `onnx/model_int8.onnx`
// from `onnx/model.onnx`, not enough to map the host's files.

// An absolute POSIX path of two or more segments, not part of a URL (`https://a/b`) or a word.
const ABSOLUTE_PATH = /(?<![\w.:/~-])\/(?:[\w.@+-]+\/)+[\w.@+-]*/g;

export function redactPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, (path) => {
    const parts = path.split('/').filter(Boolean);
    return parts.length <= 2 ? path : `…/${parts.slice(-2).join('/')}`;
  });
}

const KEYS = new Set(['error', 'file', 'reason']);

/** The view with every `error`, `file` and `reason` string redacted, at any depth (bounded). */
export function withoutHostPaths<T>(view: T, depth = 0): T {
  if (depth > 8 || view === null || typeof view !== 'object') return view;
  if (Array.isArray(view)) return view.map((item) => withoutHostPaths(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(view)) {
    out[key] = typeof value === 'string' && KEYS.has(key) ? redactPaths(value) : withoutHostPaths(value, depth + 1);
  }
  return out as T;
}
