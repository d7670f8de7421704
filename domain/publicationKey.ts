/**
 * The idempotency key a variant is published under: one per post, revision and account, so a
 * platform never publishes the same revision twice to an account, and the connector's ledger can
 * be asked later what it did publish under it.
 */
export function publicationKey({
  postId,
  revision,
  accountId,
}: {
  postId: string;
  revision: number;
  accountId: string;
}): string {
  return `${postId}:${revision}:${accountId}`;
}
