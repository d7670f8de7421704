/**
 * The Postgres store's JSON: bytes fields anywhere in a message come back as the same bytes, in
 * Buffers, and everything else as JSON.stringify would write it.
 */
import { fromJson, toJson } from '../src/store/codec';

test('bytes anywhere in a message come back as Buffers with the same bytes', () => {
  const payload = (text: string) => ({
    metadata: { encoding: Buffer.from('json/plain') },
    data: Buffer.from(JSON.stringify(text)),
  });
  const state = {
    status: 'RUNNING',
    searchAttributes: { PostStage: payload('draft'), Brand: payload('brand-1') },
    memo: {},
    activities: [{ activityId: '1', heartbeatDetails: { payloads: [payload('half')] }, attempt: 2 }],
    // A slice of a larger buffer: only its own bytes.
    token: Buffer.from('xxtokenxx').subarray(2, 7),
    raw: new Uint8Array([0, 255, 128]),
    empty: Buffer.alloc(0),
  };
  const back = fromJson<typeof state>(toJson(state));
  expect(Buffer.isBuffer(back.searchAttributes.PostStage.data)).toBe(true);
  expect(back.searchAttributes.PostStage.data.toString()).toBe('"draft"');
  expect(back.activities[0].heartbeatDetails.payloads[0].metadata.encoding.toString()).toBe('json/plain');
  expect(back.token.toString()).toBe('token');
  expect([...back.raw]).toEqual([0, 255, 128]);
  expect(back.empty).toEqual(Buffer.alloc(0));
  expect(back).toEqual({ ...state, raw: Buffer.from([0, 255, 128]) });
});

test('bytes are written as base64, not as an array of numbers', () => {
  expect(toJson({ data: Buffer.from('hello') })).toBe('{"data":{"$bytes":"aGVsbG8="}}');
});

test('everything else is written as JSON.stringify writes it', () => {
  const value = {
    when: new Date(Date.UTC(2026, 11, 3)),
    gone: undefined,
    list: [1, undefined, 'two', null, { nested: true }],
    count: 3,
    text: 'line\nbreak "quoted" \u2028',
  };
  expect(toJson(value)).toBe(JSON.stringify(value));
  expect(toJson(['a', 1])).toBe(JSON.stringify(['a', 1]));
  expect(toJson(null)).toBe('null');
});
