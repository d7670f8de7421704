/**
 * Changes to the conversation workflow's decisions and commands, guarded with `patched()` so that runs started
 * by earlier code replay unchanged (see test/histories/).
 */

/**
 * Each inbound message reads the brand's settings (business hours, SLA policy, triage rules)
 * together with its sentiment, in one local activity. Before, sentiment was scored alone and every
 * conversation ran on the defaults.
 */
export const BRAND_THREAD_SETTINGS = 'brand-thread-settings';

/**
 * Conversations are assigned from their queue (round robin or least open) when they first arrive,
 * return to the queue or reopen unassigned; warnings, breaches and the escalation ladder notify the
 * assignee and the queue's lead, and the ladder's last step reassigns to the lead. Before, clocks
 * only recorded their SLA events and assignment was by hand.
 */
export const QUEUES_AND_ESCALATION_LADDER = 'queues-and-escalation-ladder';

/**
 * A transition that frees an agent's place (resolving or closing an assigned conversation, or
 * taking it away from them) offers the place to the conversation of the queue waiting for an
 * agent, which asks its queue again. Before, a conversation that found everyone at capacity
 * waited until something else happened to it.
 */
export const QUEUE_ROOM_OFFERS = 'queue-room-offers';

/**
 * Every negative or crisis-sensitive inbound message is told to the brand's crisis monitor, and a
 * reply written while the brand is in a crisis is held until a lead approves it. Before, neither.
 */
export const CRISIS_PROTECTION = 'crisis-protection';

/** Runs from before it send no time with a reply's key. */
export const REPLY_KEY_TIME_PATCH = 'reply-key-time';

/**
 * A resolved conversation stays resolved, not closed, until its reopen window has passed, even when
 * the inactivity limit is shorter: a customer writing inside the window continues the same cycle.
 * Before, the inactivity limit closed it first and the message started a new cycle.
 */
export const REOPEN_WINDOW_OUTLIVES_INACTIVITY = 'reopen-window-outlives-inactivity';
