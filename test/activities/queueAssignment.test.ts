/**
 * Automatic assignment against Postgres: round robin moves its position once per request, even
 * when retried or asked concurrently; least open counts the open conversations of the threads
 * projection; nobody is picked beyond capacity.
 */
import type { Knex } from 'knex';
import { createThreadActivities } from '../../activities';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { createThreadQueueStore, settleQueueChoices } from '../../db/threadQueues';
import type { QueueMember } from '../../domain/queueAssignment';
import { createTestKnex, insertBrandFixture, insertUser, uniqueId, type BrandFixture } from '../helpers/db';

let db: Knex;
let fixture: BrandFixture;
let agents: string[];
let leadId: string;

beforeAll(async () => {
  db = createTestKnex();
  fixture = await insertBrandFixture(db, { platforms: ['x'] });
  agents = [];
  for (const name of ['ana', 'ben', 'cleo']) {
    agents.push((await insertUser(db, { roles: ['agent'], brandId: fixture.brand.id, id: uniqueId(name) })).user.id);
  }
  leadId = fixture.users.lead.user.id;
});

afterAll(async () => {
  await db.destroy();
});

/** Agents nobody has been given a conversation yet: choices made for others count against theirs. */
async function newAgents(count: number): Promise<string[]> {
  const made: string[] = [];
  for (let n = 0; n < count; n += 1) {
    made.push((await insertUser(db, { roles: ['agent'], brandId: fixture.brand.id, id: uniqueId('agent') })).user.id);
  }
  return made;
}

const activities = () => createThreadActivities({ db, connectors: createConnectorRegistry([]) });

async function queueOf(strategy: 'round_robin' | 'least_open', members: QueueMember[]): Promise<string> {
  const name = `q_${uniqueId('queue').replace(/-/g, '_').slice(6)}`;
  const store = createThreadQueueStore(db);
  const existing = await store.listForBrand(fixture.brand.id);
  await store.replaceForBrand({
    brandId: fixture.brand.id,
    queues: [...existing, { name, strategy, leadId, members }],
  });
  return name;
}

/** A conversation in the threads projection, as its workflow would have recorded it. */
async function openThread(input: { assigneeId: string | null; status?: string; queue: string }): Promise<string> {
  const id = `${fixture.accounts[0].id}:${uniqueId('t')}`;
  await db('threads').insert({
    id,
    account_id: fixture.accounts[0].id,
    brand_id: fixture.brand.id,
    platform: 'x',
    external_thread_id: id.split(':')[1],
    workflow_id: `thread:${id}`,
    status: input.status ?? 'open',
    priority: 'normal',
    category: 'support',
    queue: input.queue,
    assignee_id: input.assigneeId,
    last_sequence: 1,
    state: JSON.stringify({}),
    updated_at: new Date().toISOString(),
  });
  return id;
}

const ask = (queue: string, threadId: string, requestKey = `${threadId}@1`) =>
  activities().assignFromQueue({ brandId: fixture.brand.id, queue, threadId, requestKey });

describe('assignFromQueue', () => {
  it('goes round the agents in turn and names the queue lead', async () => {
    const queue = await queueOf(
      'round_robin',
      agents.map((userId) => ({ userId, capacity: 10 })),
    );
    const picked = [];
    for (let n = 0; n < 4; n += 1) picked.push(await ask(queue, uniqueId('thread')));
    expect(picked.map((choice) => choice.assigneeId)).toEqual([agents[0], agents[1], agents[2], agents[0]]);
    expect(picked.every((choice) => choice.leadId === leadId)).toBe(true);
  });

  it('answers a retried request with the same agent and moves the round robin once', async () => {
    const queue = await queueOf(
      'round_robin',
      agents.map((userId) => ({ userId, capacity: 10 })),
    );
    const [a, b] = [uniqueId('thread'), uniqueId('thread')];
    const first = await ask(queue, a, `${a}@3`);
    const retried = await ask(queue, a, `${a}@3`);
    const next = await ask(queue, b, `${b}@1`);
    expect([first.assigneeId, retried.assigneeId, next.assigneeId]).toEqual([agents[0], agents[0], agents[1]]);
  });

  it('gives concurrent conversations one agent each in turn, never the same position twice', async () => {
    const queue = await queueOf(
      'round_robin',
      agents.map((userId) => ({ userId, capacity: 10 })),
    );
    const choices = await Promise.all(Array.from({ length: 6 }, () => ask(queue, uniqueId('thread'))));
    const perAgent = agents.map((agent) => choices.filter((choice) => choice.assigneeId === agent).length);
    expect(perAgent).toEqual([2, 2, 2]);
  });

  it('passes over an agent at capacity, counting only conversations still open', async () => {
    const agents = await newAgents(2);
    const queue = await queueOf('round_robin', [
      { userId: agents[0], capacity: 1 },
      { userId: agents[1], capacity: 1 },
    ]);
    await openThread({ assigneeId: agents[0], queue });
    await openThread({ assigneeId: agents[1], queue, status: 'resolved' });
    const choice = await ask(queue, uniqueId('thread'));
    expect(choice.assigneeId).toBe(agents[1]);
  });

  it('picks the agent with the fewest open conversations for a least-open queue', async () => {
    const team: string[] = [];
    for (const name of ['dee', 'eli', 'fay']) {
      team.push((await insertUser(db, { roles: ['agent'], brandId: fixture.brand.id, id: uniqueId(name) })).user.id);
    }
    const [dee, eli, fay] = team as [string, string, string];
    const queue = await queueOf(
      'least_open',
      team.map((userId) => ({ userId, capacity: 5 })),
    );
    // Open conversations count across the brand's queues: an agent's load is all of their work.
    const elsewhere = await queueOf('least_open', []);
    for (const assignee of [dee, dee, eli, fay, fay]) await openThread({ assigneeId: assignee, queue: elsewhere });
    await openThread({ assigneeId: eli, queue, status: 'pending' });
    await openThread({ assigneeId: fay, queue, status: 'resolved' });
    await openThread({ assigneeId: fay, queue, status: 'resolved' });
    await openThread({ assigneeId: fay, queue });
    // dee 2 open, eli 2 (one pending), fay 3: a tie goes to the first listed.
    expect((await ask(queue, uniqueId('thread'))).assigneeId).toBe(dee);
    await openThread({ assigneeId: dee, queue });
    expect((await ask(queue, uniqueId('thread'))).assigneeId).toBe(eli);
  });

  it('leaves the conversation unassigned when every agent is at capacity', async () => {
    const queue = await queueOf('least_open', [{ userId: agents[2], capacity: 1 }]);
    await openThread({ assigneeId: agents[2], queue });
    expect(await ask(queue, uniqueId('thread'))).toEqual({ assigneeId: null, leadId });
  });

  it('assigns nobody for a queue the brand has not set up', async () => {
    expect(await ask('not_set_up', uniqueId('thread'))).toEqual({ assigneeId: null, leadId: null });
    expect(await activities().findQueueLead({ brandId: fixture.brand.id, queue: 'not_set_up' })).toEqual({
      leadId: null,
    });
  });

  it('counts a choice its conversation has not recorded yet, until the projection shows it', async () => {
    const agents = await newAgents(2);
    const queue = await queueOf('least_open', [
      { userId: agents[0], capacity: 1 },
      { userId: agents[1], capacity: 1 },
    ]);
    const [a, b, c] = [uniqueId('thread'), uniqueId('thread'), uniqueId('thread')];
    // Neither conversation is in the projection yet: each choice still takes a different place.
    const first = await ask(queue, a);
    const second = await ask(queue, b);
    expect([first.assigneeId, second.assigneeId].sort()).toEqual([agents[0], agents[1]].sort());
    expect((await ask(queue, c)).assigneeId).toBeNull();
  });

  it('frees the place of a recorded choice once its conversation is resolved', async () => {
    const [agent] = await newAgents(1);
    const queue = await queueOf('round_robin', [{ userId: agent, capacity: 1 }]);
    const threadId = await openThread({ assigneeId: null, queue });
    expect((await ask(queue, threadId)).assigneeId).toBe(agent);
    expect((await ask(queue, uniqueId('thread'))).assigneeId).toBeNull();
    // The conversation records its assignment, and later its resolution.
    await settleQueueChoices(db, threadId);
    await db('threads').where({ id: threadId }).update({ assignee_id: agent, status: 'resolved' });
    expect((await ask(queue, uniqueId('thread'))).assigneeId).toBe(agent);
  });
});

describe('findWaitingInQueue', () => {
  const find = (queue: string, offerKey: string, exceptThreadId = 'nobody') =>
    activities().findWaitingInQueue({ brandId: fixture.brand.id, queue, exceptThreadId, offerKey });

  it('offers two places freed at once to two waiting conversations, and a retry the same one', async () => {
    const queue = await queueOf('round_robin', [{ userId: agents[0], capacity: 5 }]);
    const older = await openThread({ assigneeId: null, queue });
    const newer = await openThread({ assigneeId: null, queue });
    const [one, two] = await Promise.all([find(queue, uniqueId('offer')), find(queue, uniqueId('offer'))]);
    expect([one?.threadId, two?.threadId].sort()).toEqual([older, newer].sort());
    const key = uniqueId('offer');
    const offered = await find(queue, key);
    expect(await find(queue, key)).toEqual(offered);
  });

  it('offers the only waiting conversation every freed place', async () => {
    const queue = await queueOf('round_robin', [{ userId: agents[0], capacity: 5 }]);
    const only = await openThread({ assigneeId: null, queue });
    expect((await find(queue, uniqueId('offer')))?.threadId).toBe(only);
    expect((await find(queue, uniqueId('offer')))?.threadId).toBe(only);
  });
});
