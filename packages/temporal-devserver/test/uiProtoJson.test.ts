/**
 * The HTTP gateway's conversions and routes, without a server: URL text and JSON bodies read into
 * requests by field type (the traps: "false" for a bool, an enum by its number, int64 strings,
 * base64 bytes, RFC 3339 timestamps, "10s" durations), answers written as grpc-gateway's protobuf
 * JSON, and path templates filled from the annotations.
 */
import { parseArgs } from '../src/cli';
import { protoType } from '../src/protos';
import { messageFromJson, messageToJson, setFieldPath, type JsonObject } from '../src/ui/protoJson';
import { apiRoutes, RouteTable, type RouteMatch } from '../src/ui/routes';

const HISTORY_REQUEST = 'temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest';

function fromUrl(typeName: string, params: Array<[string, string]>): JsonObject {
  const json: JsonObject = {};
  for (const [path, text] of params) setFieldPath(protoType(typeName), json, path, text);
  return messageFromJson(typeName, json);
}

describe('requests read from URL text', () => {
  it('reads "false" as false and "true" as true, and refuses other words for a bool', () => {
    expect(fromUrl(HISTORY_REQUEST, [['waitNewEvent', 'true']]).waitNewEvent).toBe(true);
    expect(fromUrl(HISTORY_REQUEST, [['waitNewEvent', 'false']]).waitNewEvent).toBeFalsy();
    expect(fromUrl(HISTORY_REQUEST, [['wait_new_event', 'false']]).waitNewEvent).toBeFalsy();
    expect(() => fromUrl(HISTORY_REQUEST, [['waitNewEvent', 'maybe']])).toThrow(
      'waitNewEvent: expected a boolean, got "maybe"',
    );
  });

  it('reads an enum by its number as well as by its name', () => {
    expect(fromUrl(HISTORY_REQUEST, [['historyEventFilterType', '2']]).historyEventFilterType).toBe(
      'HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT',
    );
    expect(
      fromUrl(HISTORY_REQUEST, [['history_event_filter_type', 'HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT']])
        .historyEventFilterType,
    ).toBe('HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT');
  });

  it('reads integers, base64 bytes and nested fields by either name', () => {
    const token = Buffer.from('{"from":3}');
    const request = fromUrl(HISTORY_REQUEST, [
      ['namespace', 'default'],
      ['execution.workflow_id', 'post:42'],
      ['execution.runId', 'run-1'],
      ['maximumPageSize', '5'],
      ['next_page_token', token.toString('base64')],
    ]);
    expect(request).toEqual({
      namespace: 'default',
      execution: { workflowId: 'post:42', runId: 'run-1' },
      maximumPageSize: 5,
      nextPageToken: token,
    });
    expect(() => fromUrl(HISTORY_REQUEST, [['maximumPageSize', 'ten']])).toThrow(/maximumPageSize/);
    expect(
      fromUrl(HISTORY_REQUEST, [
        ['maximumPageSize', ''],
        ['waitNewEvent', ''],
      ]),
    ).toEqual({});
  });

  it('reads int64 strings, timestamps and durations', () => {
    const reset = fromUrl('temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest', [
      ['workflowTaskFinishEventId', '9007199254740993'],
    ]);
    // The service reads int64 as numbers; the value survives as far as a double can hold it.
    expect(reset.workflowTaskFinishEventId).toBe(9007199254740992);
    const start = messageFromJson('temporal.api.workflowservice.v1.StartWorkflowExecutionRequest', {
      workflowRunTimeout: '10s',
      workflowTaskTimeout: '1.5s',
      workflowStartDelay: '0.000000250s',
    });
    expect(start.workflowRunTimeout).toEqual({ seconds: 10 });
    expect(start.workflowTaskTimeout).toEqual({ seconds: 1, nanos: 500_000_000 });
    expect(start.workflowStartDelay).toEqual({ nanos: 250 });
    const scan = fromUrl('temporal.api.workflowservice.v1.ListScheduleMatchingTimesRequest', [
      ['startTime', '2026-05-01T10:00:00.250+02:00'],
    ]);
    expect(scan.startTime).toEqual({ seconds: Date.parse('2026-05-01T08:00:00Z') / 1000, nanos: 250_000_000 });
  });

  it('collects every value of a repeated field and refuses fields the request lacks', () => {
    const typeName = 'temporal.api.workflowservice.v1.GetWorkerTaskReachabilityRequest';
    const request = fromUrl(typeName, [
      ['buildIds', 'b1'],
      ['build_ids', 'b2'],
      ['reachability', '1'],
    ]);
    expect(request.buildIds).toEqual(['b1', 'b2']);
    expect(request.reachability).toBe('TASK_REACHABILITY_NEW_WORKFLOWS');
    expect(() => fromUrl(typeName, [['nope', 'x']])).toThrow('unknown field "nope"');
    for (const hostile of ['__proto__', 'constructor', 'toString', 'execution.__proto__'])
      expect(() => fromUrl(HISTORY_REQUEST, [[hostile, 'x']])).toThrow(`unknown field "${hostile}"`);
  });

  it('says what a malformed body got wrong', () => {
    expect(() =>
      messageFromJson('temporal.api.workflowservice.v1.StartWorkflowExecutionRequest', {
        workflowRunTimeout: 'ten seconds',
      }),
    ).toThrow('malformed StartWorkflowExecutionRequest: .google.protobuf.Duration: invalid duration: "ten seconds"');
  });
});

describe('answers written as protobuf JSON', () => {
  it('writes camelCase names, enum names, int64 strings, RFC 3339 times, durations and base64 payloads', () => {
    const json = messageToJson('temporal.api.history.v1.HistoryEvent', {
      eventId: 12,
      eventTime: { seconds: 1_780_000_000, nanos: 5_000_000 },
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      workflowExecutionStartedEventAttributes: {
        workflowType: { name: 'publishPost' },
        workflowRunTimeout: { seconds: 10 },
        attempt: 1,
        input: {
          payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"postId":"p1"}') }],
        },
      },
    });
    expect(json).toEqual({
      eventId: '12',
      eventTime: '2026-05-28T20:26:40.005Z',
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      workflowExecutionStartedEventAttributes: {
        workflowType: { name: 'publishPost' },
        workflowRunTimeout: '10s',
        attempt: 1,
        input: {
          payloads: [
            {
              metadata: { encoding: Buffer.from('json/plain').toString('base64') },
              data: Buffer.from('{"postId":"p1"}').toString('base64'),
            },
          ],
        },
      },
    });
  });

  it('reads its own output back to the same message', () => {
    const typeName = 'temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse';
    const message = {
      workflowExecutionInfo: {
        execution: { workflowId: 'post:1', runId: 'r1' },
        status: 'WORKFLOW_EXECUTION_STATUS_RUNNING',
        historyLength: 7,
        startTime: { seconds: 1_780_000_000 },
        searchAttributes: {
          indexedFields: { PostStage: { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') } },
        },
      },
    };
    expect(messageFromJson(typeName, messageToJson(typeName, message))).toEqual(message);
  });
});

describe('routes from the google.api.http annotations', () => {
  const table = new RouteTable();
  const match = (method: string, path: string): RouteMatch => {
    const found = table.match(method, path.slice(1).split('/').map(decodeURIComponent));
    if (!found || found === 'method-not-allowed') throw new Error(`no route for ${method} ${path}`);
    return found;
  };

  it('declares the /api/v1 bindings of both services', () => {
    const names = new Set(apiRoutes().map((route) => route.method));
    for (const name of [
      'ListWorkflowExecutions',
      'GetWorkflowExecutionHistory',
      'QueryWorkflow',
      'ListSearchAttributes',
    ])
      expect(names).toContain(name);
  });

  it('fills nested fields from path templates', () => {
    const history = match('GET', '/api/v1/namespaces/default/workflows/post%3A42%2Fa/history');
    expect(history.route.method).toBe('GetWorkflowExecutionHistory');
    expect(history.variables).toEqual([
      ['namespace', 'default'],
      ['execution.workflow_id', 'post:42/a'],
    ]);
    const query = match('POST', '/api/v1/namespaces/default/workflows/post:1/query/getPostState');
    expect(query.route.method).toBe('QueryWorkflow');
    expect(query.route.body).toBe('*');
    expect(query.variables).toContainEqual(['query.query_type', 'getPostState']);
  });

  it('prefers a literal segment over a variable', () => {
    expect(match('GET', '/api/v1/namespaces/default/workflow-count').route.method).toBe('CountWorkflowExecutions');
    expect(match('GET', '/api/v1/namespaces/default/workflows').route.method).toBe('ListWorkflowExecutions');
    expect(match('GET', '/api/v1/namespaces/default/workflows/x').route.method).toBe('DescribeWorkflowExecution');
    expect(match('GET', '/api/v1/cluster-info').route.method).toBe('GetClusterInfo');
  });

  it('tells a known path with the wrong method from an unknown path', () => {
    expect(table.match('DELETE', ['api', 'v1', 'namespaces', 'default', 'workflows'])).toBe('method-not-allowed');
    expect(table.match('GET', ['api', 'v1', 'nothing-here'])).toBeUndefined();
  });

  it('matches templates with patterns', () => {
    const custom = new RouteTable(
      apiRoutes()
        .slice(0, 1)
        .map((route) => ({
          ...route,
          segments: [
            { literal: 'api' },
            { literal: 'v1' },
            { variable: 'name', pattern: ['namespaces', '*', '**'] },
            { literal: 'end' },
          ],
        })),
    );
    const found = custom.match(route0Method(), ['api', 'v1', 'namespaces', 'a', 'b', 'c', 'end']);
    expect(found).toMatchObject({ variables: [['name', 'namespaces/a/b/c']] });
    expect(custom.match(route0Method(), ['api', 'v1', 'other', 'a', 'end'])).toBeUndefined();
  });
});

function route0Method(): string {
  return apiRoutes()[0].httpMethod;
}

describe('command line', () => {
  it('turns the UI on with --ui-port or --ui-assets and keeps it off with --headless', () => {
    expect(parseArgs(['server', 'start-dev', '--port', '7233']).ui).toBeUndefined();
    expect(parseArgs(['server', 'start-dev', '--ui-port', '8300']).ui).toEqual({ port: 8300 });
    expect(parseArgs(['server', 'start-dev', '--ui-assets=/srv/ui', '--ui-ip', '0.0.0.0']).ui).toEqual({
      assetsDir: '/srv/ui',
      host: '0.0.0.0',
    });
    expect(parseArgs(['server', 'start-dev', '--ui-port', '8300', '--headless']).ui).toBeUndefined();
    expect(() => parseArgs(['server', 'start-dev', '--ui-port', 'x'])).toThrow('invalid UI port');
  });

  it('reads --retention as Temporal writes durations, days allowed, and refuses anything else', () => {
    const retention = (value: string) => parseArgs(['server', 'start-dev', '--retention', value]).namespaceRetentionMs;
    expect(retention('72h')).toBe(72 * 3_600_000);
    expect(retention('7d')).toBe(7 * 86_400_000);
    expect(retention('1h30m')).toBe(90 * 60_000);
    expect(retention('1.5s')).toBe(1_500);
    expect(parseArgs(['server', 'start-dev', '--retention=250ms']).namespaceRetentionMs).toBe(250);
    expect(parseArgs(['server', 'start-dev']).namespaceRetentionMs).toBeUndefined();
    for (const bad of ['', '72', 'h', '-1d', '0s', '1x', '1d ', '1e9999d'])
      expect(() => retention(bad)).toThrow('--retention expects a positive duration');
  });
});
