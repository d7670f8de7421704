/**
 * What a signed inbound delivery is checked against (the account and its decrypted secrets), kept
 * in this process for a few seconds: a platform delivering batch after batch would otherwise cost
 * two Postgres reads and a decryption per batch. An entry never outlives the grace period of a
 * secret it holds, and the inbound service reads again when a cached entry refuses a signature,
 * so a secret issued a moment ago is never refused. Nothing of it is ever logged.
 */
import type { Account, AccountStore } from '../../db/accounts';
import type { InboundSecretStore } from '../../db/inboundSecrets';

/** How long an account's signing secrets are kept before they are read again. */
export const SIGNING_KEYS_TTL_MS = 5_000;
/** Accounts kept at most; beyond that the longest kept makes room. */
const MAX_ACCOUNTS = 10_000;

export interface SigningKeys {
  account: Account;
  secrets: string[];
}

interface Entry {
  keys: Promise<SigningKeys | undefined>;
  expiresAt: number;
}

export interface SigningKeysDeps {
  accounts: Pick<AccountStore, 'findById'>;
  secrets: Pick<InboundSecretStore, 'validSecrets'>;
  ttlMs?: number;
  now?: () => number;
}

export function createSigningKeys({ accounts, secrets, ttlMs = SIGNING_KEYS_TTL_MS, now = Date.now }: SigningKeysDeps) {
  const entries = new Map<string, Entry>();

  async function read(accountId: string): Promise<{ keys: SigningKeys | undefined; expiresAt: number }> {
    const readAt = now();
    const account = await accounts.findById(accountId);
    if (!account) return { keys: undefined, expiresAt: readAt };
    const valid = await secrets.validSecrets({ accountId: account.id, now: new Date(readAt) });
    const ends = valid.flatMap(({ validUntil }) => (validUntil === null ? [] : [Date.parse(validUntil)]));
    return {
      keys: { account, secrets: valid.map(({ secret }) => secret) },
      expiresAt: Math.min(readAt + ttlMs, ...ends),
    };
  }

  function remember(accountId: string): Entry {
    const read$ = read(accountId);
    // Until the read answers, callers share it; an unknown account or a failed read is not kept.
    const entry: Entry = { keys: read$.then(({ keys }) => keys), expiresAt: Infinity };
    entries.delete(accountId);
    if (entries.size >= MAX_ACCOUNTS) entries.delete(entries.keys().next().value!);
    entries.set(accountId, entry);
    read$.then(
      ({ keys, expiresAt }) => {
        if (keys) entry.expiresAt = expiresAt;
        else if (entries.get(accountId) === entry) entries.delete(accountId);
      },
      () => {
        if (entries.get(accountId) === entry) entries.delete(accountId);
      },
    );
    return entry;
  }

  return {
    /**
     * The account and the secrets its deliveries may be signed with. `fresh` reads them again
     * whatever is kept; `cached` says whether the answer was read before this call (a read still
     * under way when it came is shared, and counts as fresh).
     */
    async lookup(accountId: string, { fresh = false }: { fresh?: boolean } = {}) {
      const kept = fresh ? undefined : entries.get(accountId);
      if (kept && kept.expiresAt > now()) {
        const cached = kept.expiresAt !== Infinity;
        return { keys: await kept.keys, cached };
      }
      return { keys: await remember(accountId).keys, cached: false };
    },
  };
}

export type SigningKeysCache = ReturnType<typeof createSigningKeys>;
