import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

// Destinations for encoded protobuf bytes. Large payloads (tensor raw_data) are passed through
// by reference so a 500 MB model is never copied into an intermediate buffer when streamed to disk.

export interface ProtoSink {
  /** Appends bytes; the sink may keep a reference only until the call returns. */
  write(bytes: Uint8Array): void;
}

/** Writes into one preallocated buffer whose size was computed beforehand. */
export class BufferSink implements ProtoSink {
  readonly buffer: Buffer;
  private pos = 0;

  constructor(byteLength: number) {
    this.buffer = Buffer.allocUnsafe(byteLength);
  }

  write(bytes: Uint8Array): void {
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  get position(): number {
    return this.pos;
  }
}

const STAGING_BYTES = 1 << 20;

/**
 * Streams to a file: small writes are staged in 1 MiB, large ones go straight to the fd.
 * The sha256 is computed on the way, so callers never read a 500 MB file back to hash it.
 */
export class FileSink implements ProtoSink {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private readonly staging = Buffer.allocUnsafe(STAGING_BYTES);
  private staged = 0;
  private written = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(bytes: Uint8Array): void {
    if (bytes.byteLength <= STAGING_BYTES - this.staged) {
      this.staging.set(bytes, this.staged);
      this.staged += bytes.byteLength;
      return;
    }
    this.flush();
    if (bytes.byteLength < STAGING_BYTES / 4) {
      this.staging.set(bytes, 0);
      this.staged = bytes.byteLength;
      return;
    }
    this.writeFully(bytes);
  }

  /** Flushes and closes; returns the file's size and sha256 (hex). */
  close(): { bytes: number; sha256: string } {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
    return { bytes: this.written, sha256: this.hash.digest('hex') };
  }

  private flush(): void {
    if (this.staged === 0) return;
    this.writeFully(this.staging.subarray(0, this.staged));
    this.staged = 0;
  }

  private writeFully(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off);
    this.hash.update(bytes);
    this.written += bytes.byteLength;
  }
}
