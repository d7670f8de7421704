/** What the Bluesky inbound poller asks of the outside world. */
export interface PollBlueskyInboundInput {
  accountId: string;
}

/**
 * `read`: the notifications since the cursor were handed to their conversations (`delivered`
 * new, `duplicates` already recorded) and the cursor moved past them. `stopped`: the account
 * cannot be read until an admin acts (no such account, not on Bluesky, credentials refused).
 */
export type PollBlueskyInboundResult =
  { status: 'read'; delivered: number; duplicates: number; skipped: number } | { status: 'stopped'; reason: string };

export interface BlueskyInboundActivities {
  pollBlueskyInbound(input: PollBlueskyInboundInput): Promise<PollBlueskyInboundResult>;
}
