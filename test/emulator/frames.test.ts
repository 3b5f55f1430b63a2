// The hand-written codec must agree byte for byte with the SDK's own pbbp2 codec.
import * as lark from '@larksuiteoapi/node-sdk';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { decodeFrame, encodeFrame, splitPayload } from '../../src/emulator/frames.ts';

void lark; // load the SDK first: it flips protobufjs' shared util.Long, the situation we must survive

const sdkFrame = protobuf.parse(`syntax = "proto2"; package p;
message Header { required string key = 1; required string value = 2; }
message Frame { required uint64 SeqID = 1; required uint64 LogID = 2; required int32 service = 3; required int32 method = 4;
  repeated Header headers = 5; optional string payloadEncoding = 6; optional string payloadType = 7; optional bytes payload = 8; optional string LogIDNew = 9; }`,
{ keepCase: true }).root.lookupType('p.Frame');

describe('pbbp2 frame codec', () => {
  it('round-trips and writes the required fields even when zero', () => {
    const f = { SeqID: 0, LogID: 0, service: 0, method: 0, headers: [{ key: 'type', value: 'ping' }] };
    const bytes = encodeFrame(f);
    expect(decodeFrame(bytes)).toMatchObject(f);
    const theirs = sdkFrame.toObject(sdkFrame.decode(bytes), { longs: Number });
    expect(theirs).toMatchObject({ SeqID: 0, LogID: 0, service: 0, method: 0 });
  });

  it('decodes frames encoded by protobufjs, including large ids, negative service and payloads', () => {
    const obj = { SeqID: 2 ** 52 + 7, LogID: 123456789012, service: -5, method: 1,
      headers: [{ key: 'message_id', value: 'm-1' }, { key: 'sum', value: '2' }], payload: Buffer.from('{"code":200}') };
    const bytes = sdkFrame.encode(sdkFrame.fromObject(obj)).finish();
    const mine = decodeFrame(bytes);
    expect(mine).toMatchObject({ SeqID: obj.SeqID, LogID: obj.LogID, service: -5, method: 1, headers: obj.headers });
    expect(Buffer.from(mine.payload!).toString()).toBe('{"code":200}');
    expect(Buffer.from(encodeFrame(mine))).toEqual(Buffer.from(bytes));
  });

  it('rejects a frame without required fields and splits payloads by bytes', () => {
    expect(() => decodeFrame(Uint8Array.from([0x08, 0x01]))).toThrow(/required/);
    const parts = splitPayload(Buffer.from('abcdefg'), 3);
    expect(parts.map((p) => Buffer.from(p).toString())).toEqual(['abc', 'def', 'g']);
  });
});
