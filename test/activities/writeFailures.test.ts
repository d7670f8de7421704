import knex, { type Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import { quietActivityEnvironment } from './activityEnvironment';
import { postState } from './postStateFixture';
import { createPostActivities } from '../../activities';
import { ErrorType, type RecordTransitionInput } from '../../activities/contract';
import { createConnectorRegistry, type PlatformConnector } from '../../activities/connectors/types';
import { createWebhookNotifier } from '../../activities/notifier';
import { permanentOnBadData } from '../../activities/writeFailures';
import { createAccountStore } from '../../db/accounts';
import { createAuditLog, postEntity } from '../../db/audit';
import { createMetricStore } from '../../db/metrics';
import { createNotificationStore } from '../../db/notifications';
import { createPostStore } from '../../db/posts';
import { createTestKnex, insertBrand, uniqueId } from '../helpers/db';

let db: Knex;
let activities: ReturnType<typeof createPostActivities>;
let brandId: string;
const env = quietActivityEnvironment();

/** A platform whose answers nobody can correct: it puts what it likes into messages and counters. */
const hostile: PlatformConnector = {
  name: 'hostile',
  async findPublication() {
    return undefined;
  },
  async publish(variant) {
    if (variant.text.startsWith('refuse')) {
      throw ApplicationFailure.create({
        type: ErrorType.ContentRefused,
        message: 'refused: \u0000bad \ud83d',
        nonRetryable: true,
      });
    }
    if (variant.text.startsWith('crash')) throw new Error('socket hang up \u0000');
    return {
      accountId: variant.accountId,
      platform: variant.platform,
      externalId: 'ext-\u0000-1',
      url: 'https://example.com/\ud800',
      publishedAt: 'yesterday',
    };
  },
  async fetchMetrics() {
    return {
      impressions: 3_000_000_000,
      reach: Number.NaN,
      likes: -4,
      comments: 2.7,
      shares: Number.POSITIVE_INFINITY,
      saves: 1,
      clicks: 2,
    };
  },
  async sendReply() {
    throw new Error('not used');
  },
  async validate() {
    return [];
  },
};

beforeAll(async () => {
  db = createTestKnex();
  activities = createPostActivities({
    db,
    connectors: createConnectorRegistry([hostile]),
    notifier: createWebhookNotifier(),
    clock: () => new Date('2026-10-01T08:00:00.000Z'),
  });
  brandId = (await insertBrand(db)).id;
});
afterAll(async () => {
  await db.destroy();
});

async function failureOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (thrown: unknown) => thrown,
  );
}

async function refusedWrite(sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<unknown> {
  return failureOf(
    permanentOnBadData('test write', () =>
      db.transaction(async (trx) => {
        await trx.raw(
          `CREATE TEMP TABLE checked (short varchar(2), required text NOT NULL, positive int CHECK (positive > 0)) ON COMMIT DROP`,
        );
        await trx.raw(sql, bindings);
      }),
    ),
  );
}

describe('a write Postgres refuses as data', () => {
  it.each([
    ['22P05', 'NUL escaped in jsonb', `SELECT '"a\\u0000b"'::jsonb`, []],
    ['22021', 'NUL in text', 'SELECT ?::text', ['a\u0000b']],
    ['22001', 'a string too long for its column', `INSERT INTO checked VALUES ('abc', 'x', 1)`, []],
    ['22003', 'a number out of range', 'SELECT 2147483648::int', []],
    ['22007', 'an unreadable time', `SELECT 'next tuesday-ish'::timestamptz`, []],
    ['22008', 'a time out of range', `SELECT '300000-01-01'::timestamptz`, []],
    ['22P02', 'an unreadable number', `SELECT 'twelve'::int`, []],
    ['22P02', 'a lone surrogate escaped in jsonb', `SELECT '"\\ud83d"'::jsonb`, []],
    ['23502', 'a missing required value', `INSERT INTO checked VALUES ('a', NULL, 1)`, []],
    ['23514', 'a value its check refuses', `INSERT INTO checked VALUES ('a', 'x', -1)`, []],
  ] as const)('fails for good with SQLSTATE %s (%s)', async (state, _, sql, bindings) => {
    const error = await refusedWrite(sql, bindings);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: ErrorType.UnstorableValue, nonRetryable: true });
    expect((error as ApplicationFailure).message).toContain(
      `test write: Postgres refused the data (SQLSTATE ${state})`,
    );
  });

  it('leaves a serialization failure and a deadlock retryable as they are', async () => {
    for (const state of ['40001', '40P01']) {
      const error = await refusedWrite(`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '${state}'; END $$`);
      expect(error).not.toBeInstanceOf(ApplicationFailure);
      expect(error).toMatchObject({ code: state });
    }
  });

  it('leaves a lost connection retryable as it is', async () => {
    const unreachable = knex({
      client: 'pg',
      connection: { host: '127.0.0.1', port: 1, user: 'nobody', database: 'nothing' },
      pool: { min: 0, max: 1 },
      acquireConnectionTimeout: 2000,
      // The refused connection is what the test expects; knex need not print it.
      log: { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined },
    });
    try {
      const error = await failureOf(permanentOnBadData('test write', () => unreachable.raw('SELECT 1')));
      expect(error).not.toBeInstanceOf(ApplicationFailure);
    } finally {
      await unreachable.destroy();
    }
  });
});

describe('recordTransition with a value it can never write', () => {
  async function transition(overrides: Partial<RecordTransitionInput> = {}): Promise<RecordTransitionInput> {
    const brand = await insertBrand(db);
    const postId = uniqueId('post');
    return {
      sequence: 1,
      action: 'review_approved',
      actorId: 'designer-1',
      fromStage: 'design',
      at: '2026-09-01T10:00:00.000Z',
      state: postState({ postId, brandId: brand.id, stage: 'copy_edit', openStages: ['copy_edit'] }),
      ...overrides,
    };
  }

  async function nothingWritten(input: RecordTransitionInput): Promise<void> {
    const { postId } = input.state;
    expect(await createAuditLog(db).listByEntity({ entity: postEntity(postId) })).toEqual([]);
    expect(await createPostStore(db).findById(postId)).toBeUndefined();
  }

  it('refuses a NUL in a comment before writing anything, naming where it is', async () => {
    const input = await transition({ detail: { comment: 'fine\u0000' } });
    const error = await failureOf(env.run(activities.recordTransition, input));
    expect(error).toMatchObject({
      type: ErrorType.UnstorableValue,
      nonRetryable: true,
      message: `transition 1 (review_approved) of post ${input.state.postId}: detail.comment contains the control character U+0000 at position 4`,
    });
    await nothingWritten(input);
  });

  it('refuses a lone surrogate or an over-long comment in the state by the text policy', async () => {
    const base = await transition();
    const decision = { stage: 'design', revision: 1, decision: 'approve' as const, by: 'designer-1', at: base.at };
    for (const [comment, why] of [
      ['nice \ud83d', 'state.decisions[0].comment contains an unpaired UTF-16 surrogate at position 5'],
      ['x'.repeat(5001), 'state.decisions[0].comment must be at most 5000 characters'],
    ]) {
      const input = { ...base, state: { ...base.state, decisions: [{ ...decision, comment }] } };
      const error = await failureOf(env.run(activities.recordTransition, input));
      expect(error).toMatchObject({ type: ErrorType.UnstorableValue, nonRetryable: true });
      expect((error as ApplicationFailure).message).toContain(why);
      await nothingWritten(input);
    }
  });

  it('fails for good when Postgres refuses the projection, and rolls the audit row back', async () => {
    const base = await transition();
    const input = { ...base, state: { ...base.state, publishAt: 'next tuesday-ish' } };
    const error = await failureOf(env.run(activities.recordTransition, input));
    expect(error).toMatchObject({ type: ErrorType.UnstorableValue, nonRetryable: true });
    expect((error as ApplicationFailure).message).toContain('Postgres refused the data (SQLSTATE 22007)');
    await nothingWritten(input);
  });
});

describe('values nobody can correct', () => {
  async function hostileAccount(): Promise<string> {
    const id = uniqueId('account-hostile');
    await createAccountStore(db).create({ id, brandId, platform: 'x', handle: `@${id}`, connector: 'hostile' });
    return id;
  }

  function variant(accountId: string, text: string) {
    const postId = uniqueId('post');
    return {
      postId,
      revision: 1,
      accountId,
      platform: 'x' as const,
      text,
      media: [],
      idempotencyKey: `${postId}:1:${accountId}`,
    };
  }

  it("makes a platform's answer storable", async () => {
    const accountId = await hostileAccount();
    expect(await env.run(activities.publishVariant, variant(accountId, 'hello'))).toEqual({
      externalId: 'ext-\ufffd-1',
      url: 'https://example.com/\ufffd',
      publishedAt: '2026-10-01T08:00:00.000Z',
    });
  });

  it("makes a platform's failure message storable and keeps whether it may be retried", async () => {
    const accountId = await hostileAccount();
    const refused = await failureOf(env.run(activities.publishVariant, variant(accountId, 'refuse this')));
    expect(refused).toMatchObject({
      type: ErrorType.ContentRefused,
      nonRetryable: true,
      message: 'refused: \ufffdbad \ufffd',
    });
    const crashed = await failureOf(env.run(activities.publishVariant, variant(accountId, 'crash now')));
    expect(crashed).not.toBeInstanceOf(ApplicationFailure);
    expect(crashed).toMatchObject({ message: 'socket hang up \ufffd' });
  });

  it("stores a platform's counters within what the columns hold", async () => {
    const accountId = await hostileAccount();
    const postId = uniqueId('post');
    await createPostStore(db).applyProjection({ state: postState({ postId, brandId }), sequence: 1 });
    const snapshot = await env.run(activities.snapshotMetrics, {
      postId,
      accountId,
      platform: 'x',
      externalId: 'ext-1',
      offsetMs: 3_600_000,
    });
    const expected = {
      impressions: 2_147_483_647,
      reach: 0,
      likes: 0,
      comments: 2,
      shares: 0,
      saves: 1,
      clicks: 2,
    };
    expect(snapshot).toMatchObject(expected);
    expect(await createMetricStore(db).listByPost({ postId })).toEqual([expect.objectContaining(expected)]);
  });

  it('refuses a notification it could never record, once', async () => {
    const postId = uniqueId('post');
    const notificationId = `${postId}:review_due:1`;
    const error = await failureOf(
      env.run(activities.notify, {
        kind: 'review_due',
        postId,
        brandId,
        notificationId,
        message: 'Review "Autumn\u0000" now',
      }),
    );
    expect(error).toMatchObject({ type: ErrorType.UnstorableValue, nonRetryable: true });
    expect((error as ApplicationFailure).message).toContain('message contains the control character U+0000');
    expect(await createNotificationStore(db).findById(notificationId)).toBeUndefined();
  });
});
