/**
 * The call context a service method gets when the call comes over HTTP: the call is cancelled
 * when the client goes away before its answer, so that long polls stop waiting.
 */
import type { ServerResponse } from 'node:http';
import type { CallContext } from '../grpcServer';

export function httpCallContext(res: ServerResponse): CallContext {
  let cancelled = false;
  let onCancel: () => void = () => undefined;
  const cancelledPromise = new Promise<void>((resolve) => (onCancel = resolve));
  const afterResponse: Array<() => void> = [];
  res.once('close', () => {
    if (!res.writableFinished) {
      cancelled = true;
      onCancel();
    }
    for (const action of afterResponse.splice(0)) action();
  });
  return {
    deadline: undefined,
    cancelled: cancelledPromise,
    isCancelled: () => cancelled,
    afterResponse: (action) => {
      if (res.closed) action();
      else afterResponse.push(action);
    },
  };
}
