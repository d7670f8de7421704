/**
 * A value at once, or a promise of it later: what the store gives when it can answer without a
 * read (the memory store always; the Postgres store for a workflow id that never closed a run), so
 * that callers decide in the same turn whenever they can.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Goes on at once with a value that is here, and once it comes otherwise. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => R): R | Promise<Awaited<R>> {
  // A promise `next` returns is flattened by `then`, as `Awaited` says.
  return value instanceof Promise ? (value.then(next) as Promise<Awaited<R>>) : next(value);
}
