/**
 * The Postgres store's filter of workflow ids with closed runs: a start of an id it has never seen
 * needs no read, so it must never say "no" for an id it was given, and should seldom say "maybe"
 * for one it was not.
 */
import { WorkflowIdFilter } from '../src/store/workflowIdFilter';

test('every id added is reported, in its own namespace only, and few others are', () => {
  const filter = new WorkflowIdFilter();
  const added = Array.from({ length: 100_000 }, (_, i) => `post:${i.toString(36)}-${(i * 7919) % 100_003}`);
  for (const id of added) filter.add('default', id);

  expect(added.every((id) => filter.mayHave('default', id))).toBe(true);
  const others = Array.from({ length: 100_000 }, (_, i) => `post:other-${i}`);
  const wronglyMaybe = others.filter((id) => filter.mayHave('default', id)).length;
  // About 1 in 2,300 expected at this load.
  expect(wronglyMaybe).toBeLessThan(200);
  const elsewhere = added.slice(0, 10_000).filter((id) => filter.mayHave('brand-b', id)).length;
  expect(elsewhere).toBeLessThan(50);
});

test('workflow ids with surrogates, NULs and great length are told apart', () => {
  const filter = new WorkflowIdFilter();
  const odd = ['\u0000', '\ud800', 'é', 'e\u0301', 'x'.repeat(100_000), ''];
  for (const id of odd) filter.add('ns', id);
  expect(odd.every((id) => filter.mayHave('ns', id))).toBe(true);
  expect(filter.mayHave('ns', 'y'.repeat(100_000))).toBe(false);
});
