/**
 * A brand's conversation queues and how one picks the agent for a new conversation: round robin
 * goes around the members in their listed order, least open picks whoever has the fewest open
 * conversations; either way only agents below their capacity are picked. Pure: the caller reads
 * the open counts and keeps the round-robin position.
 */

export const ASSIGNMENT_STRATEGIES = ['round_robin', 'least_open'] as const;
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number];

export interface QueueMember {
  userId: string;
  /** The most open conversations the agent takes on at once. */
  capacity: number;
}

export interface ThreadQueue {
  name: string;
  strategy: AssignmentStrategy;
  /** The team lead who hears of breaches and receives escalations; null when the queue has none. */
  leadId: string | null;
  /** In round-robin order. */
  members: QueueMember[];
}

export interface AssigneeChoice {
  assigneeId: string | null;
  /** The round-robin position after this choice: the index of the member last given a conversation. */
  cursor: number;
}

/**
 * The agent the next conversation goes to, or null when every member is at capacity. `cursor` is
 * the index of the member the previous conversation went to (-1 before the first); a least-open
 * choice leaves it as it is.
 */
export function chooseAssignee({
  strategy,
  members,
  openCounts,
  cursor,
}: {
  strategy: AssignmentStrategy;
  members: readonly QueueMember[];
  /** Open conversations per user id; a user missing from it has none. */
  openCounts: Readonly<Record<string, number>>;
  cursor: number;
}): AssigneeChoice {
  const open = (member: QueueMember): number => openCounts[member.userId] ?? 0;
  const hasRoom = (member: QueueMember): boolean => open(member) < member.capacity;

  if (strategy === 'least_open') {
    let best: QueueMember | undefined;
    for (const member of members) {
      if (hasRoom(member) && (best === undefined || open(member) < open(best))) best = member;
    }
    return { assigneeId: best?.userId ?? null, cursor };
  }

  const count = members.length;
  // A cursor from a longer member list, or none yet, starts from the top.
  const from = Number.isInteger(cursor) && cursor >= 0 && cursor < count ? cursor : -1;
  for (let step = 1; step <= count; step += 1) {
    const index = (from + step) % count;
    const member = members[index];
    if (hasRoom(member)) return { assigneeId: member.userId, cursor: index };
  }
  return { assigneeId: null, cursor };
}

/** Whether the user works the queue: one of its agents or its lead. */
export function servesQueue(queue: Pick<ThreadQueue, 'leadId' | 'members'>, userId: string): boolean {
  return queue.leadId === userId || queue.members.some((member) => member.userId === userId);
}

export const MAX_QUEUES = 50;
export const MAX_QUEUE_MEMBERS = 200;
/** More open conversations than anyone can hold in mind; a larger number is a typo. */
export const MAX_QUEUE_CAPACITY = 1000;
