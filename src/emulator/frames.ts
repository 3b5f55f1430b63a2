// pbbp2.Frame codec for the long connection (LARK.md §1.4). proto2 with `required` fields, so
// protobufjs always writes SeqID/LogID/service/method even when 0: the SDK's decoder throws on a
// frame missing any of them and that used to crash the client process (LARK.md §0.2).
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto2";
package pbbp2;
message Header { required string key = 1; required string value = 2; }
message Frame {
  required uint64 SeqID = 1;
  required uint64 LogID = 2;
  required int32 service = 3;
  required int32 method = 4;
  repeated Header headers = 5;
  optional string payloadEncoding = 6;
  optional string payloadType = 7;
  optional bytes payload = 8;
  optional string LogIDNew = 9;
}
`;

const FrameType = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('pbbp2.Frame');

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
  payload?: Uint8Array;
}

export function encodeFrame(frame: Frame): Uint8Array {
  return FrameType.encode(FrameType.fromObject(frame)).finish();
}

export function decodeFrame(buf: Uint8Array): Frame {
  const msg = FrameType.decode(buf);
  // uint64 decodes to Long here; the SDK keeps values < 2^53, so Number is exact.
  const obj = FrameType.toObject(msg, { longs: Number, defaults: true, arrays: true }) as Frame;
  return obj;
}

export function headerMap(frame: Frame): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of frame.headers ?? []) out[h.key] = h.value;
  return out;
}

/** Split a UTF-8 payload into fragments of at most `size` bytes (sum/seq headers, LARK.md §1.7).
 *  Splitting on byte boundaries is fine: the SDK concatenates bytes before decoding. */
export function splitPayload(payload: Uint8Array, size: number): Uint8Array[] {
  if (payload.byteLength <= size) return [payload];
  const parts: Uint8Array[] = [];
  for (let off = 0; off < payload.byteLength; off += size) parts.push(payload.subarray(off, off + size));
  return parts;
}
