/**
 * Generated hostile requests thrown at every operation the API registers (read from its own
 * OpenAPI document, so a new route is covered the day it is added): control characters, lone
 * surrogates, invisible and oversized text, numbers at and beyond every limit, dates at the edges
 * of the calendar, random JSON shapes, broken percent-encoding, wrong methods and encodings.
 * Whatever comes in, the API answers promptly with a JSON refusal that names a reason and never
 * a 5xx or a stack trace, and a post that took the barrage still takes its next valid step.
 */
import http from 'node:http';
import fc from 'fast-check';
import type { BrandFixture } from '../helpers/db';
import { call, type Json } from './http';
import { brand, postAwaiting, postWhen, stageOpen, startLiveApi, type LiveApi } from './liveApi';

/** A safety bound, generous under a loaded machine: no request may hang. Not a performance target. */
const ANSWER_BOUND_MS = 5_000;

let live: LiveApi;
let fixture: BrandFixture;
let target: { postId: string; revision: number };
let operations: Array<{ operationId: string; method: string; path: string; query: string[]; body: string[] }>;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live);
  target = await postAwaiting(live, fixture, 'copy_edit');
  const document = (await call(live.api, 'GET', '/openapi.json')).body;
  operations = [];
  for (const [path, item] of Object.entries<Json>(document.paths)) {
    for (const [method, operation] of Object.entries<Json>(item)) {
      const parameters: Json[] = operation.parameters ?? [];
      const bodySchema = resolve(document, operation.requestBody?.content?.['application/json']?.schema);
      operations.push({
        operationId: operation.operationId as string,
        method: method.toUpperCase(),
        path,
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name as string),
        body: Object.keys(bodySchema?.properties ?? {}),
      });
    }
  }
});

afterAll(async () => {
  await live?.teardown();
});

function resolve(document: Json, schema: Json): Json {
  if (!schema?.$ref) return schema;
  return document.components.schemas[(schema.$ref as string).replace('#/components/schemas/', '')];
}

// ---------- hostile values ----------

const CONTROL = fc.constantFrom('\u0000', '\u0001', '\u0007', '\u000b', '\u001b', '\u007f', '\u0085', '\u009f');
const LONE_SURROGATE = fc.constantFrom('\ud83d', '\udc00', '\udbff', '\ud800');
const INVISIBLE = fc.constantFrom('\u200b', '\u200d', '\u2060', '\ufeff', '\u3164', ' ', '\u00a0', '\u034f');

/** Text that no free-text field may accept: it carries a forbidden character, shows nothing, or is far too long. */
const invalidText = fc.oneof(
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.oneof(CONTROL, LONE_SURROGATE), fc.string({ maxLength: 20 }))
    .map(([before, bad, after]) => `${before}${bad}${after}`),
  fc.array(INVISIBLE, { minLength: 0, maxLength: 12 }).map((parts) => parts.join('')),
  fc.integer({ min: 10_001, max: 12_000 }).map((length) => 'a'.repeat(length)),
  fc.integer({ min: 1, max: 3_000 }).map((count) => 'e\u0301'.repeat(count) + '\u0000'),
);

/** Dates at the edges of what calendars, JavaScript and Postgres can hold, and past them. */
const edgeDate = fc.constantFrom(
  '0000-01-01',
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '1970-01-01',
  '2020-01-01T09:00',
  '2024-02-29',
  '2026-02-29',
  '2026-13-01',
  '2027-03-28T02:30',
  '2027-03-01T09:00:00+25:00',
  '2027-03-01T09:00:00-14:01',
  '9999-12-31',
  '9999-12-31T23:59:59.999Z',
  '10000-01-01',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '2027-03-01T09:00:00.1234567890123Z',
);

/** Numbers at and past every limit, as JSON numbers would carry them. */
const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, 5e-324, 0.5),
  fc.double({ noNaN: true }),
  fc.integer(),
);

/** Anything a field may be sent: wrong types, near-miss words, edge dates, invalid text. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  invalidText,
  edgeDate,
  edgeNumber,
  fc.constantFrom('COPY_EDIT', 'copy_edit\u0000', 'nonsense', 'utc\u0000', 'Mars/Olympus', '../../etc', '%00'),
  fc.constantFrom(null, true, false, [], {}),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Free-text fields only ever get text that must be refused, so the barrage cannot cancel the post. */
const FREE_TEXT_FIELDS = new Set(['title', 'brief', 'text', 'note', 'comment', 'reason']);

/** Percent-encodes the UTF-8 of a string (a lone surrogate becomes U+FFFD, as a client would send it). */
function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** Escapes that do not decode: bad hex, a lone %, overlong and surrogate UTF-8, truncated sequences. */
const brokenEscape = fc.oneof(
  fc.constantFrom('%ZZ', '%', '%C0%AE', '%ED%A0%BD', '%E2%82', '%FF', '%%', '%0', '%G1'),
  fc
    .tuple(fc.constantFrom(...'0123456789ABCDEFGZ%'), fc.constantFrom(...'0123456789ABCDEFGZ%'))
    .map(([a, b]) => `%${a}${b}`),
);

// Mostly real targets and well-formed transport, so that most requests reach validation and beyond.
const pathSegment = fc.oneof(
  { arbitrary: fc.constant('TARGET_POST'), weight: 4 },
  { arbitrary: fc.constant('TARGET_BRAND'), weight: 2 },
  invalidText.map((text) => percentEncode(text.slice(0, 300))),
  edgeDate.map(percentEncode),
  brokenEscape,
  fc.string({ maxLength: 30 }).map(percentEncode),
);

const queryValue = fc.oneof(
  hostileValue.map((value) =>
    percentEncode(typeof value === 'string' ? value.slice(0, 500) : (JSON.stringify(value) ?? '')),
  ),
  fc.constantFrom('1e308', '-1', '0', 'NaN', 'Infinity', '9007199254740993', '0x10', '', '10001', '201'),
  brokenEscape,
);

const bodyHeaders = fc.record({
  'content-type': fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 6 },
    fc.constantFrom('application/json; charset=utf-16', 'text/plain', undefined),
  ),
  'content-encoding': fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 6 },
    fc.constantFrom('gzip', 'deflate', 'br', 'snappy', 'gzip, gzip', 'identity'),
  ),
  'idempotency-key': fc.option(
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
    { nil: undefined },
  ),
});

const ROLES = ['manager', 'author', 'copy_editor', 'legal', 'viewer', 'admin'] as const;
const METHODS = http.METHODS.filter((method) => method !== 'CONNECT');

interface HostileRequest {
  /** The registered operation the request was generated from, as "METHOD /path". */
  operation?: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function hostileRequest(): fc.Arbitrary<HostileRequest> {
  return fc
    .record({
      operation: fc.constantFrom(...operations),
      wrongMethod: fc.option(fc.constantFrom(...METHODS), { freq: 5, nil: undefined }),
      role: fc.option(fc.constantFrom(...ROLES), { freq: 10, nil: undefined }),
      segments: fc.array(pathSegment, { minLength: 2, maxLength: 2 }),
      query: fc.dictionary(fc.string({ maxLength: 12 }), queryValue, { maxKeys: 3 }),
      knownQuery: fc.array(queryValue, { minLength: 4, maxLength: 4 }),
      bodyFields: fc.array(fc.tuple(fc.boolean(), hostileValue, invalidText), { minLength: 8, maxLength: 8 }),
      bodyShape: fc.constantFrom('fields', 'fields', 'json', 'garbage', 'none'),
      json: fc.jsonValue({ maxDepth: 4 }),
      garbage: fc.string({ unit: 'binary', maxLength: 200 }),
      headers: bodyHeaders,
    })
    .map((drawn) => {
      let segment = 0;
      const path = drawn.operation.path.replace(/\{[^}]+\}/g, () => {
        const value = drawn.segments[segment++ % drawn.segments.length];
        if (value === 'TARGET_POST') return target.postId;
        if (value === 'TARGET_BRAND') return fixture.brand.id;
        return value;
      });
      const query = [
        ...drawn.operation.query.map((name, index) => `${name}=${drawn.knownQuery[index % drawn.knownQuery.length]}`),
        ...Object.entries(drawn.query).map(([name, value]) => `${percentEncode(name)}=${value}`),
      ];
      const fields: Record<string, unknown> = {};
      drawn.operation.body.forEach((name, index) => {
        const [present, value, text] = drawn.bodyFields[index % drawn.bodyFields.length];
        if (present || FREE_TEXT_FIELDS.has(name)) fields[name] = FREE_TEXT_FIELDS.has(name) ? text : value;
      });
      const body =
        drawn.bodyShape === 'fields'
          ? JSON.stringify(fields)
          : drawn.bodyShape === 'json'
            ? JSON.stringify(drawn.json)
            : drawn.bodyShape === 'garbage'
              ? drawn.garbage
              : undefined;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(drawn.headers)) if (value !== undefined) headers[name] = value;
      if (drawn.role) headers.authorization = `Bearer ${fixture.users[drawn.role].apiKey}`;
      return {
        operation: `${drawn.operation.method} ${drawn.operation.path}`,
        method: drawn.wrongMethod ?? drawn.operation.method,
        path: query.length > 0 ? `${path}?${query.join('&')}` : path,
        headers,
        ...(body !== undefined ? { body } : {}),
      };
    });
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  elapsedMs: number;
}

/** Sends the request exactly as drawn (no URL normalisation, any method), over a fresh connection. */
function send(request: HostileRequest): Promise<RawAnswer> {
  const { hostname, port } = new URL(live.api.baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        hostname,
        port,
        method: request.method,
        path: request.path,
        // Framed explicitly: Node's client sends a GET body unframed, which no server can read.
        headers: {
          ...request.headers,
          connection: 'close',
          ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}),
        },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            elapsedMs: performance.now() - started,
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(ANSWER_BOUND_MS * 2, () =>
      outgoing.destroy(new Error(`no answer to ${request.method} ${request.path}`)),
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

function expectSafeAnswer(request: HostileRequest, answer: RawAnswer): void {
  const label = `${request.method} ${request.path.slice(0, 200)}`;
  expect({ label, serverError: answer.status >= 500 }).toEqual({ label, serverError: false });
  expect({ label, slow: answer.elapsedMs > ANSWER_BOUND_MS }).toEqual({ label, slow: false });
  expect({ label, stack: /\n\s+at \S.*:\d+:\d+|node_modules|\.ts:\d+/.test(answer.text) }).toEqual({
    label,
    stack: false,
  });
  // HEAD answers carry the headers of an answer without its body.
  if (answer.status >= 400 && request.method !== 'HEAD') {
    expect({ label, type: answer.headers['content-type'] }).toEqual({
      label,
      type: expect.stringMatching(/^application\/json/),
    });
    const body = JSON.parse(answer.text);
    expect({ label, body }).toEqual({
      label,
      body: expect.objectContaining({
        error: expect.any(String),
        message: expect.any(String),
        requestId: expect.any(String),
      }),
    });
    expect(body.message.length).toBeGreaterThan(0);
  }
}

describe('a barrage of hostile requests', () => {
  const aimedAt = new Set<string>();
  const statuses = new Set<number>();

  it('answers every request promptly with a JSON refusal or a proper answer, never a 5xx or a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest(), async (request) => {
        const answer = await send(request);
        expectSafeAnswer(request, answer);
        if (request.operation) aimedAt.add(request.operation);
        statuses.add(answer.status);
      }),
      { numRuns: 1000 },
    );
    // Every operation the API registers took its share, and the barrage got past authentication
    // into validation and beyond.
    expect([...aimedAt].sort()).toEqual(operations.map((operation) => `${operation.method} ${operation.path}`).sort());
    expect([...statuses]).toEqual(expect.arrayContaining([200, 400, 401, 404]));
  });

  it('refuses hostile free text in every field of every operation that takes text, with 400 naming the field', async () => {
    // Who may attempt each operation on the post under fire, so the request reaches validation.
    const senders: Record<string, keyof BrandFixture['users']> = {
      createPost: 'author',
      submitRevision: 'author',
      reviewPost: 'copy_editor',
    };
    const valid: Record<string, unknown> = {
      brandId: fixture.brand.id,
      riskTier: 'low',
      publishAt: '2027-06-01T09:00',
      targets: [{ accountId: fixture.accounts[0].id }],
      stage: 'copy_edit',
      revision: target.revision,
      decision: 'approve',
      variants: [{ accountId: fixture.accounts[0].id, text: 'Autumn blend is back' }],
    };
    const textOperations = operations.filter((operation) => operation.body.some((name) => FREE_TEXT_FIELDS.has(name)));
    expect(textOperations.map((operation) => operation.operationId).sort()).toEqual(
      expect.arrayContaining(['cancelPost', 'createPost', 'pauseBrand', 'reviewPost', 'submitRevision']),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...textOperations),
        fc.array(invalidText, { minLength: 4, maxLength: 4 }),
        fc.nat(),
        async (operation, texts, pick) => {
          const textFields = operation.body.filter((name) => FREE_TEXT_FIELDS.has(name));
          const hostileField = textFields[pick % textFields.length];
          const body: Record<string, unknown> = {};
          for (const name of operation.body) if (name in valid) body[name] = valid[name];
          textFields.forEach((name, index) => {
            if (name === hostileField || pick % 2 === 0) body[name] = texts[index % texts.length];
          });
          // Any other path parameter (a held reply's id) gets a well-formed value, so the body is what is judged.
          const path = operation.path
            .replace('{id}', operation.path.startsWith('/v1/brands') ? fixture.brand.id : target.postId)
            .replace(/\{[^}]+\}/g, 'held-1');
          const response = await call(live.api, operation.method, path, {
            key: fixture.users[senders[operation.operationId] ?? 'manager'].apiKey,
            body,
          });
          const label = `${operation.operationId} ${hostileField}=${JSON.stringify(body[hostileField]).slice(0, 80)}`;
          expect({ label, status: response.status }).toEqual({ label, status: 400 });
          expect({
            label,
            paths: response.body.issues.map((issue: { path: unknown[] }) => issue.path.join('.')),
          }).toEqual({
            label,
            paths: expect.arrayContaining([hostileField]),
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers broken percent-encoding in any path with any method with 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.constantFrom('/v1/posts/', '/v1/posts/x/', '/v1/brands/', '/v1/', '/'),
        brokenEscape.filter((escape) => {
          try {
            decodeURIComponent(escape);
            return false;
          } catch {
            return true;
          }
        }),
        async (method, prefix, escape) => {
          const request = { method, path: `${prefix}${escape}`, headers: {} };
          const answer = await send(request);
          expectSafeAnswer(request, answer);
          if (method !== 'HEAD')
            expect({ path: request.path, status: answer.status }).toEqual({ path: request.path, status: 400 });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves the post it was aimed at able to take its next valid step', async () => {
    const before = await postWhen(live, fixture.users.viewer.apiKey, target.postId, stageOpen('copy_edit'));
    expect(before.post.revision).toBe(target.revision);
    const approved = await call(live.api, 'POST', `/v1/posts/${target.postId}/reviews`, {
      key: fixture.users.copy_editor.apiKey,
      body: { stage: 'copy_edit', revision: target.revision, decision: 'approve', comment: 'Reads well 👍' },
    });
    expect(approved.status).toBe(200);
    await postWhen(live, fixture.users.viewer.apiKey, target.postId, stageOpen('final_approval'));
  });
});

describe('text and zones that are fine', () => {
  it('accepts a title of 30 family emoji (200 characters as people count them)', async () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
    const created = await call(live.api, 'POST', '/v1/posts', {
      key: fixture.users.author.apiKey,
      body: {
        brandId: fixture.brand.id,
        title: family.repeat(30),
        riskTier: 'low',
        publishAt: '2027-06-01T09:00',
        targets: [{ accountId: fixture.accounts[0].id }],
      },
    });
    expect(created.status).toBe(201);
  });

  it.each([
    ['utc', 'UTC'],
    ['europe/berlin', 'Europe/Berlin'],
  ])('stores the time zone %s as %s', async (typed, canonical) => {
    const created = await call(live.api, 'POST', '/v1/posts', {
      key: fixture.users.author.apiKey,
      body: {
        brandId: fixture.brand.id,
        title: 'Zone spelling',
        riskTier: 'low',
        publishAt: '2027-06-01T09:00',
        timeZone: typed,
        targets: [{ accountId: fixture.accounts[0].id }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.timeZone).toBe(canonical);
    const detail = await postWhen(
      live,
      fixture.users.viewer.apiKey,
      created.body.postId,
      (post) => post.timeZone === canonical,
    );
    expect(detail.post.timeZone).toBe(canonical);
  });
});
