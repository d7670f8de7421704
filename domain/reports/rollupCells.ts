/**
 * What a report reads from the daily rollups: per group, the summed facts of each subject (clock
 * kind, stage, time slot) and measure, a plain count and sum (bucket -1) or one histogram bin.
 */
import { mergeHistograms, type Bin } from './histogram';

export interface RollupCell {
  group: string;
  subject: string;
  measure: string;
  /** -1 for a plain count and sum; otherwise the histogram bin. */
  bucket: number;
  count: number;
  total: number;
}

export interface RollupGroup {
  /** How many facts of the measure (of any of the subjects) were summed. */
  count(subjects: string | readonly string[], measure: string): number;
  /** Their summed amount. */
  total(subjects: string | readonly string[], measure: string): number;
  /** The measure's histogram over the subjects. */
  histogram(subjects: string | readonly string[], measure: string): Bin[];
}

function rollupGroup(cells: readonly RollupCell[]): RollupGroup {
  // Each (measure, subject) read once: a group answers a dozen questions over its cells.
  const plain = new Map<string, RollupCell[]>();
  const binned = new Map<string, RollupCell[]>();
  for (const cell of cells) {
    const lists = cell.bucket >= 0 ? binned : plain;
    const key = `${cell.measure}\u0000${cell.subject}`;
    const list = lists.get(key);
    if (list) list.push(cell);
    else lists.set(key, [cell]);
  }
  const matching = (lists: Map<string, RollupCell[]>, subjects: string | readonly string[], measure: string) =>
    (typeof subjects === 'string' ? [subjects] : subjects).flatMap(
      (subject) => lists.get(`${measure}\u0000${subject}`) ?? [],
    );
  return {
    count: (subjects, measure) => matching(plain, subjects, measure).reduce((sum, cell) => sum + cell.count, 0),
    total: (subjects, measure) => matching(plain, subjects, measure).reduce((sum, cell) => sum + cell.total, 0),
    histogram: (subjects, measure) => mergeHistograms([matching(binned, subjects, measure)]),
  };
}

/** The cells by group, groups in the order given by `compare`. */
export function rollupGroups(
  cells: readonly RollupCell[],
  compare: (a: string, b: string) => number = (a, b) => a.localeCompare(b),
): [string, RollupGroup][] {
  const byGroup = new Map<string, RollupCell[]>();
  for (const cell of cells) {
    const list = byGroup.get(cell.group);
    if (list) list.push(cell);
    else byGroup.set(cell.group, [cell]);
  }
  return [...byGroup.entries()].sort(([a], [b]) => compare(a, b)).map(([group, list]) => [group, rollupGroup(list)]);
}
