/**
 * Sort order of a listing: the query's ORDER BY terms, then newest start first, then run id; or,
 * without ORDER BY, the order of the real server's SQL visibility store.
 */
import type { AttributeBinding } from './attributes';
import { isPresent, valueKindOf } from './filter';
import type { SearchAttributeType, VisibilityRecord } from './model';

export type RecordComparator = (a: VisibilityRecord, b: VisibilityRecord) => number;

export interface OrderKey {
  binding: AttributeBinding;
  descending: boolean;
}

/** Newest start first; RunId ascending keeps runs that started in the same millisecond in a stable order between pages. */
const byStartThenRunId: RecordComparator = (a, b) =>
  b.startTime - a.startTime || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);

/** An open run sorts as if it closed at the end of time, as the SQL store's coalesced close time does. */
const closeTimeOrEnd = (record: VisibilityRecord): number => record.closeTime ?? Number.MAX_SAFE_INTEGER;

/**
 * Without ORDER BY, as a SQL-backed server lists them: open runs first, then closed runs by
 * CloseTime DESC; ties (every open run, runs closed in the same millisecond) by newest start,
 * then by run id.
 */
export const defaultOrder: RecordComparator = (a, b) => closeTimeOrEnd(b) - closeTimeOrEnd(a) || byStartThenRunId(a, b);

/**
 * Builds the comparator for ORDER BY terms. A run without the attribute sorts after every run
 * with it, in either direction (as Elasticsearch, the one store that sorts, does). A value with
 * several elements sorts by its smallest element ascending and its largest descending.
 */
export function compileOrdering(keys: OrderKey[]): RecordComparator {
  if (keys.length === 0) return defaultOrder;
  const terms = keys.map(({ binding, descending }) => {
    const kind = valueKindOf(binding.type as Exclude<SearchAttributeType, 'Text'>);
    const sortValue = (record: VisibilityRecord): unknown => {
      const value = binding.read(record);
      if (!isPresent(value)) return undefined;
      if (!Array.isArray(value)) return kind.read(value);
      let chosen: unknown;
      for (const element of value) {
        const candidate = kind.read(element);
        if (candidate === undefined) continue;
        if (chosen === undefined || kind.compare(candidate, chosen) * (descending ? -1 : 1) < 0) chosen = candidate;
      }
      return chosen;
    };
    return { sortValue, compare: kind.compare, direction: descending ? -1 : 1 };
  });
  return (a, b) => {
    for (const { sortValue, compare, direction } of terms) {
      const valueA = sortValue(a);
      const valueB = sortValue(b);
      if (valueA === undefined || valueB === undefined) {
        if (valueA !== valueB) return valueA === undefined ? 1 : -1;
        continue;
      }
      const order = compare(valueA, valueB);
      if (order !== 0) return order * direction;
    }
    return byStartThenRunId(a, b);
  };
}
