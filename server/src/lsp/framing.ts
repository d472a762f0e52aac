/**
 * A guard in front of the JSON-RPC reader, on every byte-stream transport (stdio and socket).
 *
 * It parses each frame's header itself, with rules at least as strict as the reader's, and hands
 * the reader a canonical `Content-Length: N` header followed by the body: the reader only ever
 * sees frames it accepts, so no header can leave it waiting or desynchronised. What it drops, it
 * reports: bytes that are not a header, a header line without a colon or with control
 * characters, no or conflicting `Content-Length`, and a length over the limit (the reader would
 * otherwise wait for gigabytes that never come). After a bad frame it resynchronises on the next
 * `Content-Length:`.
 *
 * Cost is linear in the input: header bytes are scanned once each and bounded (8 KiB per header
 * block), and body bytes are passed on as they arrive, never copied into a growing buffer.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** The largest message accepted: big enough for a 20 MB file opened in the editor, small enough to refuse nonsense. */
export const maxMessageBytes = 128 * 1024 * 1024;

/** The longest header block read before its bytes count as garbage. */
const maxHeaderBytes = 8192;

const headerEnd = '\r\n\r\n';
const contentLengthName = 'content-length:';
/** A header name: an HTTP token. */
const tokenName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value: printable ASCII and tabs, nothing else. */
const printableValue = /^[\t\x20-\x7e]*$/;

type Header = { ok: true; length: number } | { ok: false; problem: string; skip?: number };

/** Reads one header block (without its final blank line) by the rules the JSON-RPC reader needs. */
export function parseHeaderBlock(block: string, maxBytes = maxMessageBytes): Header {
  const lengths: string[] = [];
  let badLine: string | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (colon < 0 || !tokenName.test(name) || !printableValue.test(value)) {
      badLine ??= line;
      continue;
    }
    if (name.toLowerCase() === 'content-length') lengths.push(value);
  }
  const distinct = [...new Set(lengths)];
  const valid = distinct.length === 1 && /^\d{1,16}$/.test(distinct[0]) ? Number(distinct[0]) : undefined;
  const shown = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  if (badLine !== undefined) {
    const problem = `dropped a message with a malformed header line ${shown(badLine)} (a header line is "Name: value" in printable ASCII)`;
    // The frame's length is known for certain: skip its body too, and the next frame is read in step.
    return valid !== undefined && valid <= maxBytes ? { ok: false, problem, skip: valid } : { ok: false, problem };
  }
  if (lengths.length === 0) return { ok: false, problem: `dropped a header without Content-Length: ${shown(block)}` };
  if (distinct.length > 1) return { ok: false, problem: `dropped a header with conflicting Content-Length values ${distinct.join(', ')}` };
  if (valid === undefined) return { ok: false, problem: `dropped a message whose Content-Length is not a number: ${shown(distinct[0])}` };
  if (valid > maxBytes) return { ok: false, problem: `refused a message of ${valid} bytes: too large (the limit is ${maxBytes} bytes)` };
  return { ok: true, length: valid };
}

/** The last place a `Content-Length:` header starts after the beginning of a text, caselessly, or -1. */
function lastContentLengthAfterStart(text: string): number {
  return text.toLowerCase().lastIndexOf(contentLengthName);
}

export class FrameGuard extends Transform {
  /** Header bytes seen so far (latin1: one character per byte), bounded by about 8 KiB. */
  private head = '';
  /** Where the search for the end of the header block goes on. */
  private searchFrom = 0;
  /** Body bytes still to pass on (`pass`) or to drop (`skip`). */
  private mode: 'header' | 'pass' | 'skip' = 'header';
  private remaining = 0;
  /** Told about every dropped piece of input. */
  onProblem: (message: string) => void = () => undefined;

  constructor(private readonly maxBytes = maxMessageBytes) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.mode !== 'header') {
        const take = Math.min(this.remaining, chunk.length - at);
        if (this.mode === 'pass') this.push(chunk.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.mode = 'header';
        continue;
      }
      // Header bytes: no more than one header block's worth is taken from the chunk at a time.
      const take = Math.min(maxHeaderBytes, chunk.length - at);
      this.head += chunk.toString('latin1', at, at + take);
      // The bytes after a complete header block are the last ones taken: they go back to the loop.
      at += take - this.readHeaders();
    }
    callback();
  }

  /**
   * Reads every complete header block in `head`. Returns how many bytes at its end follow the
   * last block read when that block starts a body (0 when all of `head` was used as header).
   * Those bytes are always a suffix of the piece just added: a block found now ends in it.
   */
  private readHeaders(): number {
    for (;;) {
      // Blank lines between frames are harmless.
      let leading = 0;
      while (this.head.charCodeAt(leading) === 13 || this.head.charCodeAt(leading) === 10) leading++;
      const end = this.head.indexOf(headerEnd, Math.max(this.searchFrom, leading));
      if (end < 0) {
        this.searchFrom = Math.max(leading, this.head.length - headerEnd.length + 1);
        if (this.head.length - leading > maxHeaderBytes) this.dropGarbage();
        return 0;
      }
      this.garbage = 0;
      const header = this.readBlock(this.head.slice(leading, end));
      const tail = this.head.slice(end + headerEnd.length);
      this.head = '';
      this.searchFrom = 0;
      if (header.ok) {
        this.push(Buffer.from(`Content-Length: ${header.length}\r\n\r\n`, 'ascii'));
        if (header.length === 0) {
          this.head = tail;
          continue;
        }
        this.mode = 'pass';
        this.remaining = header.length;
        return tail.length;
      }
      this.report(header.problem);
      if (header.skip !== undefined && header.skip > 0) {
        this.mode = 'skip';
        this.remaining = header.skip;
        return tail.length;
      }
      // Nothing to skip: what follows the bad header is read as the start of the next frame.
      this.head = tail;
    }
  }

  /** One header block; garbage before a real header (a dropped frame's body, a stray write) is cut off first. */
  private readBlock(block: string): Header {
    const header = parseHeaderBlock(block, this.maxBytes);
    if (header.ok || header.skip !== undefined) return header;
    const restart = lastContentLengthAfterStart(block);
    if (restart <= 0) return header;
    const prefix = block.slice(0, restart);
    // Other header lines before Content-Length belong to the same frame; anything else is garbage.
    if (/^(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e]*\r\n)*$/.test(prefix)) return header;
    this.report(`dropped ${prefix.length} bytes of input that are not a message`);
    return parseHeaderBlock(block.slice(restart), this.maxBytes);
  }

  /** Garbage is reported once per MiB, not once per piece. */
  private garbage = 0;

  private dropGarbage(): void {
    const restart = lastContentLengthAfterStart(this.head);
    const keep = restart > 0 && this.head.length - restart <= maxHeaderBytes ? restart : this.head.length - contentLengthName.length;
    const reportNow = this.garbage === 0;
    this.garbage += keep;
    if (reportNow) this.report(`dropped bytes of input that are not a message (no complete header within ${maxHeaderBytes} bytes)`);
    else if (this.garbage >= 1024 * 1024) {
      this.report(`dropped ${this.garbage} more bytes of input that are not a message`);
      this.garbage = 1;
    }
    this.head = this.head.slice(keep);
    this.searchFrom = 0;
  }

  private report(message: string): void {
    try {
      this.onProblem(message);
    } catch {
      // Reporting must never break the stream.
    }
  }
}
