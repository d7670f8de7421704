import {
  compileVisibilityQuery,
  VisibilityQueryError,
  type SearchAttributeType,
  type VisibilityRecord,
} from '../src/visibility';

const customAttributes: Record<string, SearchAttributeType> = {
  Brand: 'Keyword',
  Tags: 'KeywordList',
  Notes: 'Text',
  Priority: 'Int',
  Score: 'Double',
  Urgent: 'Bool',
  PublishAt: 'Datetime',
};

const T0 = Date.parse('2024-05-01T00:00:00Z');
const minutes = (n: number): number => T0 + n * 60_000;

function run(
  workflowId: string,
  fields: Partial<Omit<VisibilityRecord, 'workflowId'>> & { startMinute: number; closeMinute?: number },
): VisibilityRecord {
  const { startMinute, closeMinute, ...rest } = fields;
  return {
    workflowId,
    runId: `run-${workflowId}`,
    workflowType: 'postLifecycle',
    executionStatus: closeMinute === undefined ? 'Running' : 'Completed',
    taskQueue: 'posts',
    startTime: minutes(startMinute),
    executionTime: minutes(startMinute),
    closeTime: closeMinute === undefined ? undefined : minutes(closeMinute),
    searchAttributes: {},
    ...rest,
  };
}

/** Default listing order of these runs: thread:x:1, post:1 (open), then thread:x:2, post:3, post:2, post:4 (closed). */
const RUNS: VisibilityRecord[] = [
  run('post:1', {
    startMinute: 10,
    searchAttributes: {
      Brand: 'acme',
      Priority: 3,
      Tags: ['launch', 'video'],
      Notes: 'Launch teaser for the Spring-Sale campaign',
      Urgent: true,
      Score: 0.75,
      PublishAt: '2024-05-02T09:00:00Z',
    },
  }),
  run('post:2', {
    startMinute: 20,
    closeMinute: 30,
    searchAttributes: {
      Brand: 'acme',
      Priority: 1,
      Tags: ['evergreen'],
      Notes: 'Weekly tips thread; see example.com',
      Urgent: false,
      Score: 2.5,
      PublishAt: '2024-05-03T09:00:00.000Z',
    },
  }),
  run('post:3', {
    startMinute: 5,
    closeMinute: 40,
    executionStatus: 'Failed',
    searchAttributes: {
      Brand: 'Acme Labs',
      Priority: 10,
      Notes: 'Crisis response: HOLDING statement',
      Score: -1.5,
      // The same instant as post:1's, written in another zone.
      PublishAt: '2024-05-02T11:00:00+02:00',
    },
  }),
  run('thread:x:1', {
    startMinute: 15,
    workflowType: 'threadLifecycle',
    taskQueue: 'threads',
    runId: 'run-e',
    searchAttributes: { Brand: 'globex', Tags: ['support'], Priority: -2 },
  }),
  run('thread:x:2', {
    startMinute: 15,
    closeMinute: 50,
    executionStatus: 'TimedOut',
    workflowType: 'threadLifecycle',
    taskQueue: 'threads',
    runId: 'run-d',
    searchAttributes: {},
  }),
  run('post:4', {
    startMinute: 0,
    closeMinute: 1,
    executionStatus: 'ContinuedAsNew',
    searchAttributes: { Brand: 'acme', Priority: 3, Tags: [] },
  }),
];

/** Workflow ids of the runs a query lists, in the order it lists them. */
function list(query: string, runs: VisibilityRecord[] = RUNS): string[] {
  const compiled = compileVisibilityQuery(query, customAttributes);
  return runs
    .filter((r) => compiled.matches(r))
    .sort((a, b) => compiled.compare(a, b))
    .map((r) => r.workflowId);
}

/** The same, ignoring order. */
function matching(query: string, runs: VisibilityRecord[] = RUNS): string[] {
  return list(query, runs).sort();
}

function errorOf(query: string): VisibilityQueryError {
  try {
    compileVisibilityQuery(query, customAttributes);
  } catch (error) {
    if (error instanceof VisibilityQueryError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('an empty query', () => {
  it('lists open runs first, newest start first, then closed runs, most recently closed first', () => {
    expect(list('')).toEqual(['thread:x:1', 'post:1', 'thread:x:2', 'post:3', 'post:2', 'post:4']);
    expect(list('   \n\t ')).toEqual(list(''));
  });

  it('orders a filtered listing the same way', () => {
    expect(list("Brand = 'acme'")).toEqual(['post:1', 'post:2', 'post:4']);
  });

  it('breaks start-time ties by run id so pages stay stable', () => {
    const a = run('tie', { startMinute: 7, runId: 'b' });
    const b = run('tie', { startMinute: 7, runId: 'a' });
    const compiled = compileVisibilityQuery('', customAttributes);
    expect([a, b].sort((x, y) => compiled.compare(x, y)).map((r) => r.runId)).toEqual(['a', 'b']);
    expect([b, a].sort((x, y) => compiled.compare(x, y)).map((r) => r.runId)).toEqual(['a', 'b']);
    expect(compiled.compare(a, a)).toBe(0);
  });

  it('lists runs that closed at the same time newest start first, then by run id', () => {
    const closedAtNine = [
      run('older', { startMinute: 1, closeMinute: 9, runId: 'a' }),
      run('newer', { startMinute: 2, closeMinute: 9, runId: 'c' }),
      run('newer twin', { startMinute: 2, closeMinute: 9, runId: 'b' }),
    ];
    expect(list('', closedAtNine)).toEqual(['newer twin', 'newer', 'older']);
    expect(list('', [...closedAtNine].reverse())).toEqual(['newer twin', 'newer', 'older']);
  });
});

describe('Keyword attributes', () => {
  it('match = exactly and case-sensitively', () => {
    expect(matching("Brand = 'acme'")).toEqual(['post:1', 'post:2', 'post:4']);
    expect(matching("Brand = 'ACME'")).toEqual([]);
    expect(matching("Brand = 'acm'")).toEqual([]);
  });

  it('match != and <> only on runs that have the attribute', () => {
    expect(matching("Brand != 'acme'")).toEqual(['post:3', 'thread:x:1']);
    expect(matching("Brand <> 'acme'")).toEqual(['post:3', 'thread:x:1']);
  });

  it('order strings by code unit for <, <=, >, >=', () => {
    expect(matching("Brand < 'acme'")).toEqual(['post:3']); // 'Acme Labs' sorts before lower case
    expect(matching("Brand <= 'acme'")).toEqual(['post:1', 'post:2', 'post:3', 'post:4']);
    expect(matching("Brand > 'acme'")).toEqual(['thread:x:1']);
    expect(matching("Brand >= 'acme'")).toEqual(['post:1', 'post:2', 'post:4', 'thread:x:1']);
  });

  it('match IN and NOT IN lists', () => {
    expect(matching("Brand IN ('globex', 'Acme Labs')")).toEqual(['post:3', 'thread:x:1']);
    expect(matching("Brand IN ('globex')")).toEqual(['thread:x:1']);
    expect(matching("Brand NOT IN ('acme', 'globex')")).toEqual(['post:3']);
  });

  it('match STARTS_WITH and NOT STARTS_WITH as prefixes', () => {
    expect(matching("WorkflowId STARTS_WITH 'post:'")).toEqual(['post:1', 'post:2', 'post:3', 'post:4']);
    expect(matching("WorkflowId NOT STARTS_WITH 'post:'")).toEqual(['thread:x:1', 'thread:x:2']);
    expect(matching("Brand STARTS_WITH 'Acme'")).toEqual(['post:3']);
    expect(matching("Brand STARTS_WITH ''")).toEqual(['post:1', 'post:2', 'post:3', 'post:4', 'thread:x:1']);
  });

  it('match BETWEEN inclusively at both ends, and NOT BETWEEN outside them', () => {
    expect(matching("WorkflowId BETWEEN 'post:2' AND 'post:4'")).toEqual(['post:2', 'post:3', 'post:4']);
    expect(matching("WorkflowId NOT BETWEEN 'post:2' AND 'post:4'")).toEqual(['post:1', 'thread:x:1', 'thread:x:2']);
  });
});

describe('system attributes', () => {
  it('filter by WorkflowId, RunId, WorkflowType and TaskQueue', () => {
    expect(matching("WorkflowId = 'post:3'")).toEqual(['post:3']);
    expect(matching("RunId = 'run-e'")).toEqual(['thread:x:1']);
    expect(matching("WorkflowType = 'threadLifecycle'")).toEqual(['thread:x:1', 'thread:x:2']);
    expect(matching("TaskQueue = 'posts'")).toEqual(['post:1', 'post:2', 'post:3', 'post:4']);
  });

  it('filter by ExecutionStatus by name, protobuf enum name or enum number', () => {
    expect(matching("ExecutionStatus = 'Running'")).toEqual(['post:1', 'thread:x:1']);
    expect(matching("ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_RUNNING'")).toEqual(['post:1', 'thread:x:1']);
    expect(matching('ExecutionStatus = 1')).toEqual(['post:1', 'thread:x:1']);
    expect(matching("ExecutionStatus = 'ContinuedAsNew'")).toEqual(['post:4']);
    expect(matching("ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW'")).toEqual(['post:4']);
    expect(matching('ExecutionStatus IN (3, 7)')).toEqual(['post:3', 'thread:x:2']);
    expect(matching("ExecutionStatus != 'Running'")).toEqual(['post:2', 'post:3', 'post:4', 'thread:x:2']);
    expect(matching("ExecutionStatus = 'Unspecified'")).toEqual([]);
  });

  it('filter by StartTime and ExecutionTime as instants', () => {
    expect(matching("StartTime > '2024-05-01T00:10:00Z'")).toEqual(['post:2', 'thread:x:1', 'thread:x:2']);
    expect(matching("StartTime >= '2024-05-01T00:10:00Z'")).toEqual(['post:1', 'post:2', 'thread:x:1', 'thread:x:2']);
    expect(matching("StartTime < '2024-05-01T02:10:00+02:00'")).toEqual(['post:3', 'post:4']);
    expect(matching("ExecutionTime BETWEEN '2024-05-01T00:05:00Z' AND '2024-05-01T00:15:00Z'")).toEqual([
      'post:1',
      'post:3',
      'thread:x:1',
      'thread:x:2',
    ]);
  });

  it('never matches a running run on CloseTime, except with IS NULL', () => {
    expect(matching("CloseTime > '2000-01-01T00:00:00Z'")).toEqual(['post:2', 'post:3', 'post:4', 'thread:x:2']);
    expect(matching("CloseTime != '2024-05-01T00:30:00Z'")).toEqual(['post:3', 'post:4', 'thread:x:2']);
    expect(matching("NOT CloseTime < '2024-05-01T00:30:00Z'")).toEqual(['post:2', 'post:3', 'thread:x:2']);
    expect(matching('CloseTime IS NULL')).toEqual(['post:1', 'thread:x:1']);
    expect(matching('CloseTime IS NOT NULL')).toEqual(['post:2', 'post:3', 'post:4', 'thread:x:2']);
  });
});

describe('KeywordList attributes', () => {
  it('treat = as "contains"', () => {
    expect(matching("Tags = 'video'")).toEqual(['post:1']);
    expect(matching("Tags = 'launch'")).toEqual(['post:1']);
    expect(matching("Tags = 'vid'")).toEqual([]);
  });

  it('treat != as "does not contain", for runs that have the attribute', () => {
    expect(matching("Tags != 'video'")).toEqual(['post:2', 'thread:x:1']);
  });

  it('treat IN as "contains any" and NOT IN as "contains none"', () => {
    expect(matching("Tags IN ('video', 'support')")).toEqual(['post:1', 'thread:x:1']);
    expect(matching("Tags NOT IN ('video', 'support')")).toEqual(['post:2']);
  });

  it('treat an empty list as no value', () => {
    expect(matching('Tags IS NULL')).toEqual(['post:3', 'post:4', 'thread:x:2']);
    expect(matching('Tags IS NOT NULL')).toEqual(['post:1', 'post:2', 'thread:x:1']);
  });
});

describe('Text attributes', () => {
  it('match = on whole words, ignoring case', () => {
    expect(matching("Notes = 'teaser'")).toEqual(['post:1']);
    expect(matching("Notes = 'TEASER'")).toEqual(['post:1']);
    expect(matching("Notes = 'holding'")).toEqual(['post:3']);
    expect(matching("Notes = 'tease'")).toEqual([]);
  });

  it('split words at hyphens, spaces and punctuation, but not at a dot inside a word', () => {
    expect(matching("Notes = 'sale'")).toEqual(['post:1']);
    expect(matching("Notes = 'spring-sale'")).toEqual(['post:1']);
    expect(matching("Notes = 'response'")).toEqual(['post:3']);
    expect(matching("Notes = 'example.com'")).toEqual(['post:2']);
    expect(matching("Notes = 'example'")).toEqual([]);
  });

  it('match when any word of the value matches', () => {
    expect(matching("Notes = 'weekly crisis'")).toEqual(['post:2', 'post:3']);
  });

  it('match != when no word matches, on runs that have the attribute', () => {
    expect(matching("Notes != 'teaser'")).toEqual(['post:2', 'post:3']);
  });
});

describe('Int attributes', () => {
  it('compare numerically, including negative values', () => {
    expect(matching('Priority = 3')).toEqual(['post:1', 'post:4']);
    expect(matching('Priority != 3')).toEqual(['post:2', 'post:3', 'thread:x:1']);
    expect(matching('Priority > 2')).toEqual(['post:1', 'post:3', 'post:4']);
    expect(matching('Priority >= 10')).toEqual(['post:3']);
    expect(matching('Priority < 0')).toEqual(['thread:x:1']);
    expect(matching('Priority <= -2')).toEqual(['thread:x:1']);
    expect(matching('Priority = -2')).toEqual(['thread:x:1']);
    expect(matching('Priority > +2')).toEqual(['post:1', 'post:3', 'post:4']);
    expect(matching('Priority < 2.5')).toEqual(['post:2', 'thread:x:1']);
  });

  it('match IN, NOT IN and inclusive BETWEEN', () => {
    expect(matching('Priority IN (1, 10)')).toEqual(['post:2', 'post:3']);
    expect(matching('Priority NOT IN (1, 10)')).toEqual(['post:1', 'post:4', 'thread:x:1']);
    expect(matching('Priority BETWEEN 1 AND 3')).toEqual(['post:1', 'post:2', 'post:4']);
    expect(matching('Priority NOT BETWEEN 1 AND 3')).toEqual(['post:3', 'thread:x:1']);
  });
});

describe('Double attributes', () => {
  it('compare numerically with integer, decimal and exponent literals', () => {
    expect(matching('Score > 0.5')).toEqual(['post:1', 'post:2']);
    expect(matching('Score >= 2.5')).toEqual(['post:2']);
    expect(matching('Score < 0')).toEqual(['post:3']);
    expect(matching('Score = .75')).toEqual(['post:1']);
    expect(matching('Score = 25e-1')).toEqual(['post:2']);
    expect(matching('Score BETWEEN -2 AND 1')).toEqual(['post:1', 'post:3']);
    expect(matching('Score IN (2.5, -1.5)')).toEqual(['post:2', 'post:3']);
  });
});

describe('Bool attributes', () => {
  it('match TRUE and FALSE in any case', () => {
    expect(matching('Urgent = true')).toEqual(['post:1']);
    expect(matching('Urgent = FALSE')).toEqual(['post:2']);
    expect(matching('Urgent != True')).toEqual(['post:2']);
    expect(matching('Urgent IN (true, false)')).toEqual(['post:1', 'post:2']);
  });
});

describe('Datetime attributes', () => {
  it('compare stored ISO strings as instants, whatever their zone', () => {
    expect(matching("PublishAt = '2024-05-02T09:00:00Z'")).toEqual(['post:1', 'post:3']);
    expect(matching("PublishAt = '2024-05-02T05:00:00-04:00'")).toEqual(['post:1', 'post:3']);
    expect(matching("PublishAt > '2024-05-02T09:00:00Z'")).toEqual(['post:2']);
    expect(matching("PublishAt < '2024-05-03T00:00:00Z'")).toEqual(['post:1', 'post:3']);
    expect(matching("PublishAt IN ('2024-05-03T09:00:00Z')")).toEqual(['post:2']);
  });

  it('accept epoch nanoseconds as integers', () => {
    const nanos = `${BigInt(Date.parse('2024-05-02T09:00:00Z')) * 1_000_000n}`;
    expect(matching(`PublishAt = ${nanos}`)).toEqual(['post:1', 'post:3']);
    expect(matching(`StartTime >= ${BigInt(minutes(15)) * 1_000_000n}`)).toEqual([
      'post:2',
      'thread:x:1',
      'thread:x:2',
    ]);
  });

  it('keep nanosecond precision at the boundaries', () => {
    expect(matching("StartTime > '2024-05-01T00:19:59.999999999Z'")).toEqual(['post:2']);
    expect(matching("StartTime >= '2024-05-01T00:20:00.000000001Z'")).toEqual([]);
    const oneNanoAfter = `${BigInt(minutes(20)) * 1_000_000n + 1n}`;
    expect(matching(`StartTime < ${oneNanoAfter} AND StartTime > '2024-05-01T00:15:00Z'`)).toEqual(['post:2']);
    const runs = [
      run('precise', { startMinute: 0, searchAttributes: { PublishAt: '2024-05-02T09:00:00.000000500Z' } }),
    ];
    expect(matching("PublishAt > '2024-05-02T09:00:00.0000004Z'", runs)).toEqual(['precise']);
    expect(matching("PublishAt > '2024-05-02T09:00:00.0000005Z'", runs)).toEqual([]);
  });

  it('match BETWEEN inclusively', () => {
    expect(matching("PublishAt BETWEEN '2024-05-02T09:00:00Z' AND '2024-05-03T09:00:00Z'")).toEqual([
      'post:1',
      'post:2',
      'post:3',
    ]);
  });
});

describe('AND, OR, NOT and parentheses', () => {
  it('binds AND tighter than OR', () => {
    // Brand = 'globex' OR (Brand = 'acme' AND Priority = 1)
    expect(matching("Brand = 'globex' OR Brand = 'acme' AND Priority = 1")).toEqual(['post:2', 'thread:x:1']);
    // (Brand = 'acme' AND Priority = 1) OR Brand = 'globex'
    expect(matching("Brand = 'acme' AND Priority = 1 OR Brand = 'globex'")).toEqual(['post:2', 'thread:x:1']);
  });

  it('lets parentheses override precedence', () => {
    expect(matching("(Brand = 'globex' OR Brand = 'acme') AND Priority = 1")).toEqual(['post:2']);
    expect(matching("((Brand = 'globex') OR ((Brand = 'acme')) AND (Priority = 3))")).toEqual([
      'post:1',
      'post:4',
      'thread:x:1',
    ]);
  });

  it('chains several ANDs and ORs', () => {
    expect(matching("Brand = 'acme' AND Priority = 3 AND Urgent = true")).toEqual(['post:1']);
    expect(matching("WorkflowId = 'post:1' OR WorkflowId = 'post:2' OR WorkflowId = 'post:3'")).toEqual([
      'post:1',
      'post:2',
      'post:3',
    ]);
  });

  it('reads keywords in any case', () => {
    expect(matching("Brand = 'acme' and Priority = 1 or Brand In ('globex')")).toEqual(['post:2', 'thread:x:1']);
    expect(list("Brand between 'a' and 'b' order by StartTime asc")).toEqual(['post:4', 'post:1', 'post:2']);
  });

  it('negates with NOT, binding tighter than AND', () => {
    expect(matching("NOT Brand = 'acme' AND Priority < 5")).toEqual(['thread:x:1']);
    expect(matching("NOT (Brand = 'acme' OR Brand = 'globex')")).toEqual(['post:3']);
    expect(matching("NOT NOT Brand = 'globex'")).toEqual(['thread:x:1']);
    expect(matching('NOT Priority IN (1, 3)')).toEqual(['post:3', 'thread:x:1']);
  });

  it('never matches a run on an attribute it lacks, even under NOT', () => {
    // thread:x:2 has no custom attributes at all.
    expect(matching("NOT Brand = 'acme'")).not.toContain('thread:x:2');
    expect(matching("NOT (Brand = 'acme' AND Priority = 3)")).toEqual(['post:2', 'post:3', 'thread:x:1']);
    // ...but an OR with a condition it does satisfy still lists it.
    expect(matching("NOT Brand = 'acme' OR WorkflowType = 'threadLifecycle'")).toEqual([
      'post:3',
      'thread:x:1',
      'thread:x:2',
    ]);
    expect(matching('NOT Brand IS NULL')).toEqual(['post:1', 'post:2', 'post:3', 'post:4', 'thread:x:1']);
    expect(matching('NOT Brand IS NOT NULL')).toEqual(['thread:x:2']);
  });
});

describe('values stored as arrays by older SDKs', () => {
  const legacy = [
    run('legacy:1', { startMinute: 0, searchAttributes: { Brand: ['acme'], Priority: [4], Urgent: [true] } }),
    run('legacy:2', { startMinute: 1, searchAttributes: { Brand: ['globex'], PublishAt: ['2024-05-02T09:00:00Z'] } }),
  ];

  it('match when an element matches', () => {
    expect(matching("Brand = 'acme'", legacy)).toEqual(['legacy:1']);
    expect(matching('Priority > 3', legacy)).toEqual(['legacy:1']);
    expect(matching('Urgent = TRUE', legacy)).toEqual(['legacy:1']);
    expect(matching("PublishAt = '2024-05-02T09:00:00Z'", legacy)).toEqual(['legacy:2']);
    expect(matching("Brand != 'acme'", legacy)).toEqual(['legacy:2']);
  });
});

describe('ORDER BY', () => {
  it('sorts by StartTime in either direction', () => {
    expect(list('ORDER BY StartTime')).toEqual(['post:4', 'post:3', 'post:1', 'thread:x:2', 'thread:x:1', 'post:2']);
    expect(list('ORDER BY StartTime ASC')).toEqual(list('ORDER BY StartTime'));
    expect(list('ORDER BY StartTime DESC')).toEqual([
      'post:2',
      'thread:x:2',
      'thread:x:1',
      'post:1',
      'post:3',
      'post:4',
    ]);
  });

  it('sorts by CloseTime with running runs last in both directions', () => {
    expect(list('ORDER BY CloseTime DESC')).toEqual([
      'thread:x:2',
      'post:3',
      'post:2',
      'post:4',
      'thread:x:1',
      'post:1',
    ]);
    expect(list('ORDER BY CloseTime ASC')).toEqual([
      'post:4',
      'post:2',
      'post:3',
      'thread:x:2',
      'thread:x:1',
      'post:1',
    ]);
  });

  it('applies to the filtered runs', () => {
    expect(list("ExecutionStatus != 'Running' ORDER BY CloseTime")).toEqual([
      'post:4',
      'post:2',
      'post:3',
      'thread:x:2',
    ]);
  });

  it('sorts by Keyword, Int, Double, Bool and Datetime custom attributes, missing values last', () => {
    expect(list('ORDER BY Brand')).toEqual(['post:3', 'post:2', 'post:1', 'post:4', 'thread:x:1', 'thread:x:2']);
    expect(list('ORDER BY Priority DESC')).toEqual([
      'post:3',
      'post:1',
      'post:4',
      'post:2',
      'thread:x:1',
      'thread:x:2',
    ]);
    expect(list('ORDER BY Score')).toEqual(['post:3', 'post:1', 'post:2', 'thread:x:2', 'thread:x:1', 'post:4']);
    expect(list('ORDER BY Urgent DESC')).toEqual(['post:1', 'post:2', 'thread:x:2', 'thread:x:1', 'post:3', 'post:4']);
    expect(list('ORDER BY PublishAt DESC')).toEqual([
      'post:2',
      'post:1',
      'post:3',
      'thread:x:2',
      'thread:x:1',
      'post:4',
    ]);
  });

  it('breaks ties with later terms, then by newest start', () => {
    expect(list("Brand = 'acme' ORDER BY Priority DESC, WorkflowId DESC")).toEqual(['post:4', 'post:1', 'post:2']);
    expect(list("Brand = 'acme' ORDER BY Priority DESC")).toEqual(['post:1', 'post:4', 'post:2']);
  });

  it('sorts a KeywordList by its smallest element ascending and its largest descending', () => {
    expect(list('Tags IS NOT NULL ORDER BY Tags')).toEqual(['post:2', 'post:1', 'thread:x:1']);
    expect(list('Tags IS NOT NULL ORDER BY Tags DESC')).toEqual(['post:1', 'thread:x:1', 'post:2']);
  });

  it('accepts backtick-quoted attribute names', () => {
    expect(list('ORDER BY `Priority` DESC')).toEqual(list('ORDER BY Priority DESC'));
  });
});

describe('GROUP BY', () => {
  it('groups a count by ExecutionStatus', () => {
    const compiled = compileVisibilityQuery("TaskQueue = 'posts' GROUP BY ExecutionStatus", customAttributes);
    expect(compiled.groupBy).toEqual(['ExecutionStatus']);
    const counts: Record<string, number> = {};
    for (const r of RUNS.filter((x) => compiled.matches(x))) {
      const [status] = compiled.groupValues(r);
      counts[status] = (counts[status] ?? 0) + 1;
    }
    expect(counts).toEqual({ Running: 1, Completed: 1, Failed: 1, ContinuedAsNew: 1 });
  });

  it('is absent from an ordinary query', () => {
    const compiled = compileVisibilityQuery("Brand = 'acme'", customAttributes);
    expect(compiled.groupBy).toEqual([]);
    expect(compiled.groupValues(RUNS[0])).toEqual([]);
  });
});

describe('literals and names', () => {
  const quoting = [
    run('quote:1', { startMinute: 0, searchAttributes: { Brand: "O'Brien" } }),
    run('quote:2', { startMinute: 1, searchAttributes: { Brand: 'say "hi"' } }),
    run('quote:3', { startMinute: 2, searchAttributes: { Brand: 'back\\slash' } }),
  ];

  it('takes strings in single or double quotes, with doubled or backslash-escaped quotes', () => {
    expect(matching("Brand = 'O''Brien'", quoting)).toEqual(['quote:1']);
    expect(matching("Brand = 'O\\'Brien'", quoting)).toEqual(['quote:1']);
    expect(matching('Brand = "O\'Brien"', quoting)).toEqual(['quote:1']);
    expect(matching('Brand = "say ""hi"""', quoting)).toEqual(['quote:2']);
    expect(matching('Brand = \'say "hi"\'', quoting)).toEqual(['quote:2']);
    expect(matching("Brand = 'back\\\\slash'", quoting)).toEqual(['quote:3']);
  });

  it('takes attribute names in backticks', () => {
    expect(matching("`Brand` = 'globex'")).toEqual(['thread:x:1']);
  });

  it('lets an attribute share its name with a keyword when written in backticks', () => {
    const attributes: Record<string, SearchAttributeType> = { Order: 'Keyword' };
    const compiled = compileVisibilityQuery("`Order` = 'first' ORDER BY `Order`", attributes);
    expect(compiled.matches(run('kw', { startMinute: 0, searchAttributes: { Order: 'first' } }))).toBe(true);
  });

  it('prefers the system attribute when a custom one has the same name', () => {
    const compiled = compileVisibilityQuery("WorkflowId = 'post:1'", { WorkflowId: 'Int' });
    expect(compiled.matches(RUNS[0])).toBe(true);
  });
});

describe('rejected queries', () => {
  it.each([
    // Attributes
    ["Foo = 'x'", 'unknown search attribute "Foo" at position 1'],
    [
      "workflowId = 'x'",
      'unknown search attribute "workflowId" (did you mean "WorkflowId"? attribute names are case-sensitive) at position 1',
    ],
    ['HistoryLength > 5', 'search attribute "HistoryLength" is not supported by this server at position 1'],
    ['ORDER BY Nope', 'unknown search attribute "Nope" at position 10'],
    // Unsupported syntax
    ["WorkflowId LIKE 'post%'", 'operator LIKE is not supported at position 12'],
    ["WorkflowId NOT LIKE 'post%'", 'operator NOT LIKE is not supported at position 12'],
    ["WorkflowId = 'a' LIMIT 10", 'LIMIT is not supported at position 18'],
    ["WorkflowId == 'a'", 'operator == is not supported (use =) at position 12'],
    ["WorkflowId <=> 'a'", 'operator <=> is not supported at position 12'],
    ["WorkflowId = 'a' && Brand = 'b'", 'operator && is not supported (use AND) at position 18'],
    ["WorkflowId = 'a' || Brand = 'b'", 'operator || is not supported (use OR) at position 18'],
    ['StartTime > now()', 'functions are not supported ("now(") at position 13'],
    ["lower(WorkflowId) = 'a'", 'functions are not supported ("lower(") at position 1'],
    [
      "WorkflowId = 'a' ORDER BY StartTime GROUP BY ExecutionStatus",
      'GROUP BY must come before ORDER BY at position 37',
    ],
    ['GROUP BY WorkflowType', 'GROUP BY is supported only for ExecutionStatus, not "WorkflowType" at position 10'],
    ['GROUP BY ExecutionStatus, TaskQueue', 'GROUP BY supports a single attribute at position 27'],
    ['ORDER BY Notes', 'ORDER BY cannot sort by search attribute "Notes" of type Text at position 10'],
    // Malformed
    ['WorkflowId = ', 'expected a value after "=" at position 14'],
    ['WorkflowId', 'expected an operator after "WorkflowId", found the end of the query at position 11'],
    ["WorkflowId 'a'", `expected an operator after "WorkflowId", found string 'a' at position 12`],
    [
      "WorkflowId = 'a' WorkflowType = 'b'",
      'expected AND, OR, ORDER BY or the end of the query, found "WorkflowType" at position 18',
    ],
    ["WorkflowId = 'a' AND", 'expected a search attribute name to start a condition at position 21'],
    [
      "WorkflowId = 'a' AND OR Brand = 'b'",
      'expected a search attribute name to start a condition, found "OR" (OR is a keyword; write `OR` for an attribute of that name) at position 22',
    ],
    [
      "'post:1' = WorkflowId",
      "expected a search attribute name to start a condition, found string 'post:1' (attribute names are not quoted; use `backticks` if needed) at position 1",
    ],
    [
      'WorkflowType = postLifecycle',
      'expected a value after "=", found "postLifecycle" (quote it to compare with a string; an attribute cannot be compared with another attribute) at position 16',
    ],
    [
      'WorkflowId = `Brand`',
      'expected a value after "=", found attribute name `Brand` (strings take \' or ") at position 14',
    ],
    ['WorkflowId = NULL', 'NULL is not a value (use IS NULL or IS NOT NULL) at position 14'],
    ['WorkflowId IS EMPTY', 'expected NULL after IS, found "EMPTY" at position 15'],
    ['WorkflowId IS NOT 5', 'expected NULL after IS NOT, found "5" at position 19'],
    ["WorkflowId NOT = 'a'", 'expected IN, BETWEEN or STARTS_WITH after NOT, found "=" at position 16'],
    ["(WorkflowId = 'a'", 'expected ")" to close the "(" from position 1, found the end of the query at position 18'],
    ["WorkflowId = 'a')", 'expected AND, OR, ORDER BY or the end of the query, found ")" at position 17'],
    ['()', 'expected a condition inside "()" at position 2'],
    ["WorkflowId IN 'a'", `expected "(" after IN, found string 'a' at position 15`],
    ['WorkflowId IN ()', 'expected a value after "(", found ")" at position 16'],
    ["WorkflowId IN ('a',)", 'expected a value after ",", found ")" at position 20'],
    ["WorkflowId IN ('a' 'b')", `expected "," or ")" in the IN list, found string 'b' at position 20`],
    ["WorkflowId NOT IN ('a'", 'expected "," or ")" in the NOT IN list, found the end of the query at position 23'],
    ['Priority BETWEEN 1 OR 2', 'expected AND between the bounds of BETWEEN, found "OR" at position 20'],
    ['Priority BETWEEN 1 AND', 'expected a value after "AND" at position 23'],
    ['Priority = -', 'expected a number after "-", found the end of the query at position 13'],
    ["Priority = -'1'", `expected a number after "-", found string '1' at position 13`],
    ["WorkflowId = 'abc", "unterminated string opened by ' at position 14"],
    ['WorkflowId = "abc', 'unterminated string opened by " at position 14'],
    ["`WorkflowId = 'a'", 'unterminated attribute name opened by ` at position 1'],
    ["`` = 'a'", 'empty attribute name `` at position 1'],
    ['Priority = 12abc', 'invalid number "12abc" at position 12'],
    ['Priority = 1.2.3', 'invalid number "1.2.3" at position 12'],
    ['Priority = 5 # comment', 'unexpected character "#" at position 14'],
    ['Priority = 5;', 'unexpected character ";" at position 13'],
    ['ORDER StartTime', 'expected BY after ORDER, found "StartTime" at position 7'],
    ['ORDER BY', 'expected a search attribute name after ORDER BY at position 9'],
    ['ORDER BY StartTime,', 'expected a search attribute name after "," at position 20'],
    ['ORDER BY StartTime DESC ASC', 'expected the end of the query, found "ASC" at position 25'],
    // Operators that do not suit the attribute's type
    [
      "Notes STARTS_WITH 'cri'",
      'operator STARTS_WITH cannot be used with search attribute "Notes" of type Text (Text supports =, !=) at position 7',
    ],
    [
      "Notes IN ('a')",
      'operator IN cannot be used with search attribute "Notes" of type Text (Text supports =, !=) at position 7',
    ],
    [
      "Notes > 'a'",
      'operator > cannot be used with search attribute "Notes" of type Text (Text supports =, !=) at position 7',
    ],
    [
      "Tags > 'a'",
      'operator > cannot be used with search attribute "Tags" of type KeywordList (KeywordList supports =, !=, IN, NOT IN) at position 6',
    ],
    [
      "Tags BETWEEN 'a' AND 'b'",
      'operator BETWEEN cannot be used with search attribute "Tags" of type KeywordList (KeywordList supports =, !=, IN, NOT IN) at position 6',
    ],
    [
      "Tags STARTS_WITH 'a'",
      'operator STARTS_WITH cannot be used with search attribute "Tags" of type KeywordList (KeywordList supports =, !=, IN, NOT IN) at position 6',
    ],
    [
      'Priority STARTS_WITH 1',
      'operator STARTS_WITH cannot be used with search attribute "Priority" of type Int (Int supports =, !=, <, <=, >, >=, IN, NOT IN, BETWEEN, NOT BETWEEN) at position 10',
    ],
    [
      "StartTime NOT STARTS_WITH '2024'",
      'operator NOT STARTS_WITH cannot be used with search attribute "StartTime" of type Datetime (Datetime supports =, !=, <, <=, >, >=, IN, NOT IN, BETWEEN, NOT BETWEEN) at position 11',
    ],
    [
      'Urgent BETWEEN false AND true',
      'operator BETWEEN cannot be used with search attribute "Urgent" of type Bool (Bool supports =, !=, <, <=, >, >=, IN, NOT IN) at position 8',
    ],
    // Values that do not suit the attribute's type
    [
      "Priority = 'high'",
      `search attribute "Priority" of type Int cannot be compared with string 'high' (expected a number) at position 12`,
    ],
    [
      'Priority IN (1, TRUE)',
      'search attribute "Priority" of type Int cannot be compared with boolean TRUE (expected a number) at position 17',
    ],
    [
      "Score BETWEEN 1 AND '2'",
      `search attribute "Score" of type Double cannot be compared with string '2' (expected a number) at position 21`,
    ],
    [
      'WorkflowId = 42',
      'search attribute "WorkflowId" of type Keyword cannot be compared with number 42 (expected a string) at position 14',
    ],
    [
      'Tags = TRUE',
      'search attribute "Tags" of type KeywordList cannot be compared with boolean TRUE (expected a string) at position 8',
    ],
    [
      'Notes = 3',
      'search attribute "Notes" of type Text cannot be compared with number 3 (expected a string) at position 9',
    ],
    [
      "Urgent = 'true'",
      `search attribute "Urgent" of type Bool cannot be compared with string 'true' (expected TRUE or FALSE) at position 10`,
    ],
    [
      'Urgent = 1',
      'search attribute "Urgent" of type Bool cannot be compared with number 1 (expected TRUE or FALSE) at position 10',
    ],
    [
      'StartTime > 1.5',
      'search attribute "StartTime" of type Datetime cannot be compared with number 1.5 (expected an RFC 3339 time string or integer epoch nanoseconds) at position 13',
    ],
    [
      "StartTime > '2024-05-01'",
      `invalid time '2024-05-01' for search attribute "StartTime" (expected RFC 3339, such as '2024-05-01T09:30:00Z' or '2024-05-01T11:30:00.5+02:00') at position 13`,
    ],
    [
      "PublishAt < '2024-02-30T00:00:00Z'",
      `invalid time '2024-02-30T00:00:00Z' for search attribute "PublishAt" (expected RFC 3339, such as '2024-05-01T09:30:00Z' or '2024-05-01T11:30:00.5+02:00') at position 13`,
    ],
    [
      "ExecutionStatus = 'running'",
      "invalid ExecutionStatus value 'running' (expected Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew or TimedOut) at position 19",
    ],
    [
      'ExecutionStatus = 9',
      'invalid ExecutionStatus value number 9 (expected Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew or TimedOut) at position 19',
    ],
    ["Notes = ' -- '", `no words to match in string ' -- ' for Text search attribute "Notes" at position 9`],
  ])('rejects %s', (query, message) => {
    expect(errorOf(query).message).toBe(message);
  });

  it('rejects a custom attribute registered with a type it does not know', () => {
    expect(() => compileVisibilityQuery("Blob = 'x'", { Blob: 'Binary' as SearchAttributeType })).toThrow(
      new VisibilityQueryError('search attribute "Blob" is registered with unknown type "Binary"', 1),
    );
  });

  it('reports the position separately for the server to use', () => {
    const error = errorOf('WorkflowId = ');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('VisibilityQueryError');
    expect(error.position).toBe(14);
  });

  it('checks every value, even in a branch no run would reach', () => {
    expect(errorOf("WorkflowId = 'a' OR (Brand = 'b' AND Priority = 'x')").message).toContain('"Priority" of type Int');
  });
});

describe('a compiled query', () => {
  it('can be reused across many runs with the same results', () => {
    const many = Array.from({ length: 2000 }, (_, i) =>
      run(`bulk:${i}`, {
        startMinute: i % 97,
        runId: `r${String(i).padStart(4, '0')}`,
        searchAttributes: { Brand: i % 3 === 0 ? 'acme' : 'globex', Priority: i % 10 },
      }),
    );
    const compiled = compileVisibilityQuery(
      "Brand = 'acme' AND Priority BETWEEN 2 AND 4 ORDER BY Priority DESC",
      customAttributes,
    );
    const first = many.filter((r) => compiled.matches(r)).sort((a, b) => compiled.compare(a, b));
    const second = [...many]
      .reverse()
      .filter((r) => compiled.matches(r))
      .sort((a, b) => compiled.compare(a, b));
    expect(first.map((r) => r.runId)).toEqual(second.map((r) => r.runId));
    expect(first).toHaveLength(many.filter((_, i) => i % 3 === 0 && i % 10 >= 2 && i % 10 <= 4).length);
    for (let i = 1; i < first.length; i++) {
      const [a, b] = [first[i - 1], first[i]];
      const pa = a.searchAttributes.Priority as number;
      const pb = b.searchAttributes.Priority as number;
      expect(
        pa > pb || (pa === pb && (a.startTime > b.startTime || (a.startTime === b.startTime && a.runId < b.runId))),
      ).toBe(true);
    }
  });
});
