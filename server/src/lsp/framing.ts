/**
 * A guard in front of the JSON-RPC reader. It passes well-formed frames through untouched and
 * drops what would wedge or kill the connection: bytes that are not a header, a header without a
 * usable Content-Length, and a Content-Length over the limit (the reader would otherwise wait for
 * gigabytes that never come). After a bad frame it resynchronises on the next `Content-Length:`.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** The largest message accepted: big enough for a 20 MB file opened in the editor, small enough to refuse nonsense. */
export const maxMessageBytes = 128 * 1024 * 1024;

const headerName = Buffer.from('content-length:');
const headerEnd = Buffer.from('\r\n\r\n');

function indexOfCaseless(buffer: Buffer, needle: Buffer, from = 0): number {
  outer: for (let i = from; i <= buffer.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      const c = buffer[i + j];
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

export class FrameGuard extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  /** Told about every dropped piece of input. */
  onProblem: (message: string) => void = () => undefined;

  constructor(private readonly maxBytes = maxMessageBytes) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.drain();
    callback();
  }

  private drain(): void {
    for (;;) {
      const start = indexOfCaseless(this.buffer, headerName);
      if (start < 0) {
        // Keep a tail that may be the start of a header split across chunks.
        if (this.buffer.length > headerName.length) {
          const garbage = this.buffer.subarray(0, this.buffer.length - headerName.length);
          if (garbage.toString('latin1').trim().length > 0 && this.buffer.indexOf(headerEnd) >= 0) this.report(`dropped ${garbage.length} bytes of input that are not a message (no Content-Length header)`);
          this.buffer = this.buffer.subarray(this.buffer.length - headerName.length);
        }
        return;
      }
      if (start > 0) {
        // Other header lines (Content-Type) before Content-Length belong to the same frame and are dropped quietly.
        const garbage = this.buffer.subarray(0, start).toString('latin1');
        if (!/^(?:\r\n)*(?:[\w-]+:[^\r\n]*\r\n)*$/.test(garbage)) {
          this.report(`dropped ${garbage.length} bytes of input that are not a message (no Content-Length header before them)`);
        }
        this.buffer = this.buffer.subarray(start);
        continue;
      }
      const end = this.buffer.indexOf(headerEnd);
      if (end < 0) {
        if (this.buffer.length > 8192) {
          this.report('dropped a header block longer than 8 KiB');
          this.buffer = this.buffer.subarray(headerName.length);
          continue;
        }
        return;
      }
      const header = this.buffer.subarray(0, end).toString('ascii');
      const match = /content-length:\s*(\d+)\s*(?:\r\n|$)/i.exec(header);
      const length = match ? Number(match[1]) : NaN;
      if (!Number.isSafeInteger(length)) {
        this.report(`dropped a message whose Content-Length is not a number: ${JSON.stringify(header.slice(0, 80))}`);
        this.buffer = this.buffer.subarray(end + headerEnd.length);
        continue;
      }
      if (length > this.maxBytes) {
        this.report(`refused a message of ${length} bytes: too large (the limit is ${this.maxBytes} bytes)`);
        this.buffer = this.buffer.subarray(end + headerEnd.length);
        continue;
      }
      const total = end + headerEnd.length + length;
      if (this.buffer.length < total) return;
      this.push(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
    }
  }

  private report(message: string): void {
    try {
      this.onProblem(message);
    } catch {
      // Reporting must never break the stream.
    }
  }
}
