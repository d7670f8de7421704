import { ConfigError } from '../../config';
import { describeConnectionFailure, describeStartupFailure, retryWithBackoff } from '../../config/startup';

describe('describeStartupFailure', () => {
  it('puts every configuration issue on one line', () => {
    const error = new ConfigError([
      { variable: 'PORT', problem: 'expected an integer between 1 and 65535, got "x"' },
      { variable: 'LOG_LEVEL', problem: 'expected one of fatal, error' },
    ]);
    expect(describeStartupFailure(error)).toBe(
      'invalid configuration: PORT: expected an integer between 1 and 65535, got "x"; LOG_LEVEL: expected one of fatal, error',
    );
  });

  it('never answers undefined or an empty reason, whatever was thrown', () => {
    expect(describeStartupFailure(undefined)).toBe('unexpected failure (undefined)');
    expect(describeStartupFailure(new Error(''))).toBe('unexpected failure (Error)');
    expect(describeStartupFailure({ code: 'X' })).toBe('{"code":"X"}');
  });

  it('folds a multi-line message into one line and cuts a long one', () => {
    expect(describeStartupFailure(new Error('initdb failed\n  ERROR OUTPUT: disk full\n'))).toBe(
      'initdb failed ERROR OUTPUT: disk full',
    );
    expect(describeStartupFailure(new Error('x'.repeat(1000))).length).toBeLessThanOrEqual(301);
  });
});

describe('describeConnectionFailure', () => {
  it('reduces the native client error to its gist', () => {
    const native = new Error(
      'Failed to call GetSystemInfo: Status { code: Unavailable, message: "tcp connect error: Connection refused (os error 111)", details: [], metadata: MetadataMap { headers: {} }, source: Some(tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused }))))}',
    );
    expect(describeConnectionFailure(native)).toBe('connection refused');
    expect(describeConnectionFailure(new Error('dns error: failed to lookup address information'))).toBe(
      'host name not found',
    );
  });
});

describe('retryWithBackoff', () => {
  it('doubles the pause after each failure up to the cap, then returns what the attempt gave', async () => {
    let calls = 0;
    const delays: number[] = [];
    const result = await retryWithBackoff({
      attempt: async () => {
        calls += 1;
        if (calls < 5) throw new Error('Connection refused');
        return 'connected';
      },
      backoff: { initialMs: 1, maxMs: 4 },
      onRetry: ({ delayMs, reason }) => {
        delays.push(delayMs);
        expect(reason).toBe('connection refused');
      },
    });
    expect(result).toBe('connected');
    expect(delays).toEqual([1, 2, 4, 4]);
  });

  it('stops waiting when told to', async () => {
    const stop = new AbortController();
    const waiting = retryWithBackoff({
      attempt: () => Promise.reject(new Error('Connection refused')),
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      onRetry: () => stop.abort(new Error('shutting down')),
      signal: stop.signal,
    });
    await expect(waiting).rejects.toThrow('shutting down');
  });
});
