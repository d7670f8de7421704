/**
 * Serves protobuf services declared in the Temporal API through @grpc/grpc-js, binding each
 * RPC to a method of an implementation object by its lowerCamel name. RPCs the implementation
 * does not have answer UNIMPLEMENTED naming the method.
 */
import * as grpc from '@grpc/grpc-js';
import type { Method } from 'protobufjs';
import { type Msg, decode, encode, root } from './protos';
import { ServiceError } from './errors';

export type ServiceImpl = Record<string, unknown>;
type Handler = (request: Msg, call: CallContext) => Promise<Msg> | Msg;

export interface CallContext {
  /** Absolute epoch-ms deadline the client gave, or undefined. */
  deadline?: number;
  /** Resolves when the client goes away (cancelled or deadline exceeded). */
  cancelled: Promise<void>;
  isCancelled(): boolean;
  /**
   * Runs `action` once the call has ended: its answer has been handed to the transport, or the
   * client has gone. For work the client must not see before the answer.
   */
  afterResponse(action: () => void): void;
}

/** DEVSERVER_TRACE=1 prints every call and answer to stderr, for debugging the server itself. */
const TRACE = process.env.DEVSERVER_TRACE === '1';
const traceReplacer = (_key: string, value: unknown): unknown =>
  value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' ? '<bytes>' : value;

function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function resolvedTypeName(method: Method, which: 'request' | 'response'): string {
  const t = which === 'request' ? method.resolvedRequestType : method.resolvedResponseType;
  if (!t) throw new Error(`unresolved ${which} type for ${method.name}`);
  return t.fullName.replace(/^\./, '');
}

/** Steps around every call: `before` may refuse it; `after` must resolve before an OK answer goes out. */
export interface CallHooks {
  before?(): void;
  after?(): Promise<void>;
}

/**
 * Runs one call between the hooks: refused before it starts when `before` throws, and answered,
 * with its result or its error, only once `after` has made what the call saw durable.
 */
export function callWithHooks<T>(hooks: CallHooks, call: () => T | Promise<T>): Promise<T> {
  return Promise.resolve()
    .then(() => {
      hooks.before?.();
      return call();
    })
    .then(
      async (response) => {
        await hooks.after?.();
        return response;
      },
      async (err: unknown) => {
        await hooks.after?.().catch(() => undefined);
        throw err;
      },
    );
}

export function addTemporalService(
  server: grpc.Server,
  serviceName: string,
  impl: ServiceImpl,
  hooks: CallHooks = {},
): void {
  const service = root.lookupService(serviceName);
  service.resolveAll();
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of Object.values(service.methods)) {
    const requestType = resolvedTypeName(method, 'request');
    const responseType = resolvedTypeName(method, 'response');
    definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (buf: Buffer) => buf,
      responseSerialize: (value: Buffer) => value,
      responseDeserialize: (buf: Buffer) => buf,
    };
    const fn = impl[lowerCamel(method.name)] as Handler | undefined;
    handlers[method.name] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      if (typeof fn !== 'function') {
        callback({
          code: grpc.status.UNIMPLEMENTED,
          details: `${serviceName}/${method.name} is not implemented by this server`,
        });
        return;
      }
      let cancelled = false;
      let onCancel: () => void = () => undefined;
      const cancelledPromise = new Promise<void>((resolve) => (onCancel = resolve));
      call.on('cancelled', () => {
        cancelled = true;
        onCancel();
      });
      const deadlineValue = call.getDeadline();
      const deadline =
        deadlineValue instanceof Date
          ? deadlineValue.getTime()
          : Number.isFinite(deadlineValue)
            ? Number(deadlineValue)
            : undefined;
      const afterResponse: Array<() => void> = [];
      const context: CallContext = {
        deadline,
        cancelled: cancelledPromise,
        isCancelled: () => cancelled,
        afterResponse: (action) => afterResponse.push(action),
      };
      let request: Msg;
      try {
        request = decode(requestType, call.request);
      } catch (err) {
        callback({
          code: grpc.status.INVALID_ARGUMENT,
          details: `malformed ${requestType}: ${(err as Error).message}`,
        });
        return;
      }
      if (TRACE)
        process.stderr.write(
          `[devserver] ${(performance.now() % 100000).toFixed(1)} -> ${method.name} ${JSON.stringify(request, traceReplacer).slice(0, 2000)}\n`,
        );
      void callWithHooks(hooks, () => fn.call(impl, request, context))
        .then((response) => {
          if (TRACE)
            process.stderr.write(
              `[devserver] ${(performance.now() % 100000).toFixed(1)} <- ${method.name} ${JSON.stringify(response, traceReplacer).slice(0, 2000)}\n`,
            );
          return response;
        })
        .then((response) => encode(responseType, response ?? {}))
        .then(
          (bytes) => callback(null, bytes),
          (err: unknown) => callback(toGrpcError(err, method.name)),
        )
        // grpc-js (since 1.10, by design) ends every call, answered or abandoned, with 'cancelled'
        // once it has handed the status to node's HTTP/2, which sends trailers on the next turn of
        // the event loop: a turn later, whatever follows reaches the client after this answer.
        .then(() => cancelledPromise)
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => {
          for (const action of afterResponse.splice(0)) action();
        });
    };
  }
  server.addService(definition, handlers);
}

function toGrpcError(err: unknown, methodName: string): Partial<grpc.StatusObject> {
  if (err instanceof ServiceError) {
    const metadata = new grpc.Metadata();
    if (err.statusDetails) metadata.set('grpc-status-details-bin', err.statusDetails);
    return { code: err.code, details: err.message, metadata };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: `${methodName}: ${message}` };
}
