import { describe, expect, it } from 'vitest';
import { redactPaths, withoutHostPaths } from './host-paths.ts';

describe('host paths in views', () => {
  it('cuts absolute paths to their last two segments, leaves URLs, ids and relative paths', () => {
    expect(redactPaths('ENOENT: no such file /home/ci/work/inferlab/data/models/x/onnx/model.onnx, open')).toBe(
      'ENOENT: no such file …/onnx/model.onnx, open',
    );
    expect(redactPaths('at run (/srv/app/node_modules/onnxruntime-node/dist/backend.js:12:3)')).toBe('at run (…/dist/backend.js:12:3)');
    expect(redactPaths('hf:Xenova/gpt2 could not be fetched from https://huggingface.co/Xenova/gpt2/resolve/main')).toBe(
      'hf:Xenova/gpt2 could not be fetched from https://huggingface.co/Xenova/gpt2/resolve/main',
    );
    expect(redactPaths('onnx/model_int8.onnx and /tmp are fine')).toBe('onnx/model_int8.onnx and /tmp are fine');
  });

  it('applies to error, file and reason fields at any depth, nothing else', () => {
    const view = {
      host: 'gpu-box-1',
      cells: [{ error: 'failed at /opt/x/y/z.js', config: { model: 'dir:/models/a/b/c' } }],
      model: { file: '/data/m/onnx/model.onnx' },
    };
    expect(withoutHostPaths(view)).toEqual({
      host: 'gpu-box-1',
      cells: [{ error: 'failed at …/y/z.js', config: { model: 'dir:/models/a/b/c' } }],
      model: { file: '…/onnx/model.onnx' },
    });
  });
});
