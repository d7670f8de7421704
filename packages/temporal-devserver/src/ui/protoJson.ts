/**
 * Protobuf JSON (what grpc-gateway speaks) for the Temporal API types, both ways, through
 * protobufjs' own ProtoJSON codec: camelCase names, enum names, int64 as strings, base64 bytes,
 * RFC 3339 timestamps, durations like "10s". HTTP path and query values arrive as strings and
 * are first given the JSON type their field wants, since ProtoJSON would refuse "false" for a
 * bool and read "2" as an unknown enum name.
 */
import { createRequire } from 'node:module';
import type { Field, Message, Type } from 'protobufjs';
import { invalidArgument } from '../errors';
import { protoType, type Msg } from '../protos';

interface ProtoJsonCodec {
  fromJson(type: Type, json: unknown, options?: { ignoreUnknownFields?: boolean }): Message;
  toJson(type: Type, message: Message | Msg): unknown;
}

// The codec checks `instanceof Type`, so it must come from the protobufjs copy that built the
// Temporal API root, not from whichever copy this package would resolve on its own.
const protojson = createRequire(require.resolve('@temporalio/proto/protos/json-module.js'))(
  'protobufjs/ext/protojson',
) as ProtoJsonCodec;

export type JsonObject = Record<string, unknown>;

const MSG_OPTIONS = { longs: Number, enums: String } as const;

/** Reads a request's ProtoJSON into the plain form the service works on. */
export function messageFromJson(typeName: string, json: JsonObject): Msg {
  const type = protoType(typeName);
  let message: Message;
  try {
    message = protojson.fromJson(type, json, { ignoreUnknownFields: true });
  } catch (err) {
    throw invalidArgument(`malformed ${typeName.slice(typeName.lastIndexOf('.') + 1)}: ${(err as Error).message}`);
  }
  return type.toObject(message, MSG_OPTIONS);
}

/** Writes a plain message of the service as ProtoJSON. */
export function messageToJson(typeName: string, msg: Msg): JsonObject {
  const type = protoType(typeName);
  return protojson.toJson(type, type.fromObject(msg)) as JsonObject;
}

const BOOL_WORDS: Record<string, boolean> = {
  true: true,
  True: true,
  TRUE: true,
  t: true,
  T: true,
  '1': true,
  false: false,
  False: false,
  FALSE: false,
  f: false,
  F: false,
  '0': false,
};

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (name) => `google.protobuf.${name}Value`,
  ),
);

/** The JSON value a field wants for a string taken from a URL. */
export function jsonValueOf(field: Field, text: string, path: string): unknown {
  field.resolve();
  if (field.resolvedType && 'fields' in field.resolvedType) {
    const type = field.resolvedType;
    const name = type.fullName.replace(/^\./, '');
    if (WRAPPERS.has(name)) return jsonValueOf(type.fields.value, text, path);
    // Timestamp, Duration, FieldMask and the like take their string form as is.
    return text;
  }
  if (field.resolvedType) return /^-?\d+$/.test(text) ? Number(text) : text;
  if (field.type === 'bool') {
    const value = BOOL_WORDS[text];
    if (value === undefined) throw invalidArgument(`${path}: expected a boolean, got "${text}"`);
    return value;
  }
  return text;
}

/** The field called `name` (proto or JSON name) of `type`. */
export function fieldNamed(type: Type, name: string): Field | undefined {
  // Own properties only: `__proto__` or `constructor` from a URL name no field.
  if (Object.hasOwn(type.fields, name)) return type.fields[name];
  const camel = name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  if (Object.hasOwn(type.fields, camel)) return type.fields[camel];
  return type.fieldsArray.find((f) => f.options?.json_name === name);
}

/**
 * Sets a dotted field path (`execution.workflow_id`, `query.queryType`) of a ProtoJSON object from
 * URL text. Repeated fields collect every value given.
 */
export function setFieldPath(type: Type, target: JsonObject, path: string, text: string): void {
  const segments = path.split('.');
  let current = target;
  let currentType = type;
  for (let i = 0; i < segments.length; i++) {
    const field = fieldNamed(currentType, segments[i]);
    if (!field) throw invalidArgument(`unknown field "${path}" in ${type.name}`);
    const key = field.name;
    // Drop a snake_case twin the body may carry, so that the value from the URL wins.
    const protoName = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (protoName !== key) delete current[protoName];
    if (i === segments.length - 1) {
      // `pageSize=` with nothing after it leaves the field unset rather than failing to parse.
      if (text === '' && field.type !== 'string' && field.type !== 'bytes') return;
      const value = jsonValueOf(field, text, path);
      if (field.repeated) {
        const list = Array.isArray(current[key]) ? (current[key] as unknown[]) : [];
        current[key] = [...list, value];
      } else current[key] = value;
      return;
    }
    field.resolve();
    if (!field.resolvedType || !('fields' in field.resolvedType) || field.repeated || field.map)
      throw invalidArgument(`field "${path}" cannot be set from the URL`);
    const next = current[key];
    current[key] = next && typeof next === 'object' && !Array.isArray(next) ? next : {};
    current = current[key] as JsonObject;
    currentType = field.resolvedType;
  }
}
