/** Domain validators name a problem by a path string; clients read 400s as zod issues with path arrays. */
import { invalidInput, type RefusedError } from './errors';

/** `weeklyHours.monday[0].start` → `['weeklyHours', 'monday', 0, 'start']` */
export function pathSegments(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const part of path.split('.')) {
    const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      segments.push(part);
      continue;
    }
    if (match[1] !== '') segments.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

export function invalidProblems(problems: { path: string; message: string }[], prefix: string[] = []): RefusedError {
  return invalidInput('The request is invalid; see issues', {
    issues: problems.map((problem) => ({
      code: 'custom',
      path: [...prefix, ...pathSegments(problem.path)],
      message: problem.message,
    })),
  });
}
