/**
 * Changes to the conversation workflow's commands, guarded with `patched()` so that runs started
 * by earlier code replay unchanged (see test/histories/).
 */

/**
 * Conversations are assigned from their queue (round robin or least open) when they first arrive,
 * return to the queue or reopen unassigned; warnings, breaches and the escalation ladder notify the
 * assignee and the queue's lead, and the ladder's last step reassigns to the lead. Before, clocks
 * only recorded their SLA events and assignment was by hand.
 */
export const QUEUES_AND_ESCALATION_LADDER = 'queues-and-escalation-ladder';
