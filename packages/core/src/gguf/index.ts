export * from './gguf-content.ts';
export * from './gguf-file.ts';
export * from './gguf-format.ts';
export * from './gguf-header.ts';
export * from './gguf-write.ts';
