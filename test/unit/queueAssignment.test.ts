import { chooseAssignee, servesQueue, type QueueMember } from '../../domain/queueAssignment';

const members: QueueMember[] = [
  { userId: 'ana', capacity: 2 },
  { userId: 'ben', capacity: 2 },
  { userId: 'cleo', capacity: 2 },
];

describe('round robin', () => {
  it('starts with the first member and goes around in the listed order', () => {
    let cursor = -1;
    const picked: (string | null)[] = [];
    for (let turn = 0; turn < 4; turn += 1) {
      const choice = chooseAssignee({ strategy: 'round_robin', members, openCounts: {}, cursor });
      picked.push(choice.assigneeId);
      cursor = choice.cursor;
    }
    expect(picked).toEqual(['ana', 'ben', 'cleo', 'ana']);
  });

  it('skips a member at capacity and moves the position to the one picked', () => {
    const choice = chooseAssignee({ strategy: 'round_robin', members, openCounts: { ben: 2 }, cursor: 0 });
    expect(choice).toEqual({ assigneeId: 'cleo', cursor: 2 });
  });

  it('comes back round to the member after the last one picked, even before the position', () => {
    const choice = chooseAssignee({ strategy: 'round_robin', members, openCounts: { ana: 2, cleo: 2 }, cursor: 1 });
    expect(choice).toEqual({ assigneeId: 'ben', cursor: 1 });
  });

  it('picks nobody and keeps the position when everyone is at capacity', () => {
    const full = { ana: 2, ben: 5, cleo: 2 };
    expect(chooseAssignee({ strategy: 'round_robin', members, openCounts: full, cursor: 1 })).toEqual({
      assigneeId: null,
      cursor: 1,
    });
  });

  it('starts from the top when the position is past a list that has since shrunk', () => {
    expect(chooseAssignee({ strategy: 'round_robin', members, openCounts: {}, cursor: 7 })).toEqual({
      assigneeId: 'ana',
      cursor: 0,
    });
  });

  it('never picks a member whose capacity is zero', () => {
    const paused = [{ userId: 'ana', capacity: 0 }];
    expect(chooseAssignee({ strategy: 'round_robin', members: paused, openCounts: {}, cursor: -1 }).assigneeId).toBe(
      null,
    );
  });

  it('picks nobody from an empty queue', () => {
    expect(chooseAssignee({ strategy: 'round_robin', members: [], openCounts: {}, cursor: -1 })).toEqual({
      assigneeId: null,
      cursor: -1,
    });
  });
});

describe('least open', () => {
  it('picks the member with the fewest open conversations', () => {
    const choice = chooseAssignee({ strategy: 'least_open', members, openCounts: { ana: 1, cleo: 1 }, cursor: -1 });
    expect(choice.assigneeId).toBe('ben');
  });

  it('breaks a tie by the listed order and leaves the round-robin position alone', () => {
    expect(chooseAssignee({ strategy: 'least_open', members, openCounts: { ana: 1 }, cursor: 2 })).toEqual({
      assigneeId: 'ben',
      cursor: 2,
    });
  });

  it('passes over the least busy member when they are at their own capacity', () => {
    const uneven = [
      { userId: 'ana', capacity: 1 },
      { userId: 'ben', capacity: 10 },
    ];
    const choice = chooseAssignee({
      strategy: 'least_open',
      members: uneven,
      openCounts: { ana: 1, ben: 6 },
      cursor: -1,
    });
    expect(choice.assigneeId).toBe('ben');
  });

  it('picks nobody when everyone is at capacity', () => {
    const full = { ana: 2, ben: 2, cleo: 3 };
    expect(chooseAssignee({ strategy: 'least_open', members, openCounts: full, cursor: -1 }).assigneeId).toBeNull();
  });
});

describe('serving a queue', () => {
  it('counts the members and the lead, nobody else', () => {
    const queue = { leadId: 'lou', members };
    expect(['ana', 'lou', 'zed'].map((userId) => servesQueue(queue, userId))).toEqual([true, true, false]);
    expect(servesQueue({ leadId: null, members: [] }, 'lou')).toBe(false);
  });
});
