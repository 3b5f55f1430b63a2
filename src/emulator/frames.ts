// pbbp2.Frame codec for the long connection (docs/lark-notes.md §1.4):
//
//   message Header { required string key = 1; required string value = 2; }
//   message Frame  { required uint64 SeqID = 1; required uint64 LogID = 2; required int32 service = 3;
//                    required int32 method = 4; repeated Header headers = 5; optional string payloadEncoding = 6;
//                    optional string payloadType = 7; optional bytes payload = 8; optional string LogIDNew = 9; }
//
// Hand-written rather than protobufjs-generated on purpose: the SDK sets the shared protobufjs
// `util.Long = undefined` when it loads, which breaks codecs generated in the same process
// depending on load order. This codec has no global state. Fields 1–4 are always written, even
// when 0: the SDK's decoder throws on a frame missing any of them (docs/lark-notes.md §0.2).

export const METHOD_CONTROL = 0;
export const METHOD_DATA = 1;

export interface FrameHeader {
  key: string;
  value: string;
}

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

class Writer {
  private readonly parts: Uint8Array[] = [];

  varint(v: bigint): this {
    // int32 negatives are sign-extended to 10 bytes, as protobuf requires.
    let x = BigInt.asUintN(64, v);
    const bytes: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      bytes.push(b);
    } while (x);
    this.parts.push(Uint8Array.from(bytes));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(BigInt((field << 3) | wire));
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(BigInt(data.byteLength));
    this.parts.push(data);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

export function encodeFrame(frame: Frame): Uint8Array {
  const w = new Writer()
    .tag(1, 0).varint(BigInt(frame.SeqID ?? 0))
    .tag(2, 0).varint(BigInt(frame.LogID ?? 0))
    .tag(3, 0).varint(BigInt(frame.service ?? 0))
    .tag(4, 0).varint(BigInt(frame.method ?? 0));
  for (const h of frame.headers ?? []) {
    w.bytes(5, new Writer().string(1, h.key).string(2, h.value).finish());
  }
  if (frame.payloadEncoding) w.string(6, frame.payloadEncoding);
  if (frame.payloadType) w.string(7, frame.payloadType);
  if (frame.payload !== undefined) w.bytes(8, frame.payload);
  if (frame.LogIDNew) w.string(9, frame.LogIDNew);
  return w.finish();
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  done(): boolean {
    return this.pos >= this.buf.byteLength;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.byteLength) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }

  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.byteLength) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

function decodeHeader(buf: Uint8Array): FrameHeader {
  const r = new Reader(buf);
  const h: Partial<FrameHeader> = {};
  while (!r.done()) {
    const tag = Number(r.varint());
    if (tag === 0x0a) h.key = utf8(r.bytes());
    else if (tag === 0x12) h.value = utf8(r.bytes());
    else r.skip(tag & 7);
  }
  if (h.key === undefined || h.value === undefined) throw new Error('Header missing required key/value');
  return h as FrameHeader;
}

/** Throws, like the SDK's generated decoder, when a required field is missing. */
export function decodeFrame(buf: Uint8Array): Frame {
  const r = new Reader(buf);
  const f: Partial<Frame> & { headers: FrameHeader[] } = { headers: [] };
  while (!r.done()) {
    const tag = Number(r.varint());
    const field = tag >> 3;
    const wire = tag & 7;
    if (field >= 1 && field <= 4 && wire === 0) {
      const v = r.varint();
      if (field === 1) f.SeqID = Number(BigInt.asUintN(64, v));
      else if (field === 2) f.LogID = Number(BigInt.asUintN(64, v));
      else if (field === 3) f.service = Number(BigInt.asIntN(32, v));
      else f.method = Number(BigInt.asIntN(32, v));
    } else if (field >= 5 && field <= 9 && wire === 2) {
      const b = r.bytes();
      if (field === 5) f.headers.push(decodeHeader(b));
      else if (field === 6) f.payloadEncoding = utf8(b);
      else if (field === 7) f.payloadType = utf8(b);
      else if (field === 8) f.payload = Uint8Array.from(b);
      else f.LogIDNew = utf8(b);
    } else {
      r.skip(wire);
    }
  }
  for (const k of ['SeqID', 'LogID', 'service', 'method'] as const) {
    if (f[k] === undefined) throw new Error(`Frame missing required field ${k}`);
  }
  return f as Frame;
}

export function headerMap(frame: Frame): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of frame.headers ?? []) out[h.key] = h.value;
  return out;
}

/** Split a UTF-8 payload into fragments of at most `size` bytes (sum/seq headers, docs/lark-notes.md §1.7).
 *  Splitting inside a multi-byte character is fine: the SDK concatenates bytes before decoding. */
export function splitPayload(payload: Uint8Array, size: number): Uint8Array[] {
  if (payload.byteLength <= size) return [payload];
  const parts: Uint8Array[] = [];
  for (let off = 0; off < payload.byteLength; off += size) parts.push(payload.subarray(off, off + size));
  return parts;
}
