import type { ComputeBackend } from '@inferlab/experiments';

/** What made a cell's tokens, for its model and environment records. */
export type EngineRan = {
  /** environment.engine: "inferlab 0.1.0", "transformers.js 4.3.2", "llama.cpp b6000 (node-llama-cpp 3.21.1, cuda)". */
  engine: string;
  /** environment.backend: the onnxruntime provider the session was created on, or llama.cpp's backend. */
  backend: ComputeBackend;
  /** The file that ran when it is not the resolved ONNX graph (llama.cpp's GGUF): recorded as the cell's model file. */
  file?: { path: string; sha256: string; ggufType: string };
};
