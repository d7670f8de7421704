/**
 * The Temporal API's protobuf definitions, as compiled into @temporalio/proto, and the
 * conversions between wire messages and the plain objects the service works with
 * (int64 as number, enums as their names, bytes as Buffer).
 */
import type { Root, Type } from 'protobufjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const root = require('@temporalio/proto/protos/json-module.js') as Root;

const typeCache = new Map<string, Type>();
export function protoType(name: string): Type {
  let t = typeCache.get(name);
  if (!t) {
    t = root.lookupType(name);
    typeCache.set(name, t);
  }
  return t;
}

const TO_OBJECT_OPTIONS = { longs: Number, enums: String } as const;

/** A plain object view of a message; the service works on these. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

export function decode(typeName: string, buf: Buffer): Msg {
  const t = protoType(typeName);
  return t.toObject(t.decode(buf), TO_OBJECT_OPTIONS);
}

export function encode(typeName: string, obj: Msg): Buffer {
  const t = protoType(typeName);
  const bytes = t.encode(t.fromObject(obj)).finish();
  // On Node the writer already hands back a Buffer: copying it would allocate every message twice.
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Packs a message into google.protobuf.Any. */
export function packAny(typeName: string, obj: Msg): Msg {
  return { type_url: `type.googleapis.com/${typeName}`, value: encode(typeName, obj) };
}

/** Unpacks google.protobuf.Any (as a plain object) into a plain message. */
export function unpackAny(any: Msg): { typeName: string; value: Msg } {
  const url = (any.type_url ?? any.typeUrl ?? '') as string;
  const typeName = url.slice(url.lastIndexOf('/') + 1);
  return { typeName, value: decode(typeName, Buffer.from((any.value ?? []) as Uint8Array)) };
}

export function enumValue(enumName: string, valueName: string): number {
  return root.lookupEnum(enumName).values[valueName];
}
