import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { iso, type Executor } from './rows';
import { openSecret, sealSecret } from './sealedSecrets';

/** How long a rotated-out secret still verifies, so a platform can be switched over without losing events. */
export const INBOUND_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

export interface RotatedSecret {
  accountId: string;
  secret: string;
  createdAt: string;
  /** Until when the secrets it replaced still verify, or null when there was none. */
  previousValidUntil: string | null;
}

interface SecretRow {
  id: number;
  secret: string | null;
  sealed_secret: string | null;
}

/** A secret a signature may be made with, and until when (null: until the next rotation). */
export interface SigningSecret {
  secret: string;
  validUntil: string | null;
}

/** What a sealed secret is bound to: its account, so that it opens on no other account's row. */
const boundTo = (accountId: string) => `account ${accountId}`;

/** Encrypts a secret stored before encryption in place; a concurrent reader may have done so already. */
async function sealStoredPlain(trx: Executor, key: Buffer, accountId: string, row: SecretRow): Promise<void> {
  await trx('account_inbound_secrets')
    .where({ id: row.id })
    .whereNotNull('secret')
    .update({ sealed_secret: sealSecret({ key, secret: row.secret!, boundTo: boundTo(accountId) }), secret: null });
}

/**
 * An account's secrets for signed inbound webhooks. Verifying an HMAC needs the secret itself, so
 * a hash would not do: they are stored encrypted with the configured key (`sealed_secret`). Rows
 * written before encryption hold the secret in `secret`; each is sealed the first time it is read.
 */
export function createInboundSecretStore(db: Knex, { key }: { key: Buffer }) {
  return {
    async rotate(input: { accountId: string; now: Date }, trx?: Knex.Transaction): Promise<RotatedSecret> {
      const run = async (tx: Executor): Promise<RotatedSecret> => {
        const validUntil = new Date(input.now.getTime() + INBOUND_SECRET_GRACE_MS).toISOString();
        const retired = await tx('account_inbound_secrets')
          .where({ account_id: input.accountId })
          .where((q) => {
            void q.whereNull('valid_until').orWhere('valid_until', '>', validUntil);
          })
          .update({ valid_until: validUntil })
          .returning('id');
        // Rotating-out leaves no secret of the account stored as it was, expired ones included.
        const plain = await tx('account_inbound_secrets')
          .where({ account_id: input.accountId })
          .whereNotNull('secret')
          .select<SecretRow[]>('id', 'secret', 'sealed_secret');
        for (const row of plain) await sealStoredPlain(tx, key, input.accountId, row);
        const secret = randomBytes(32).toString('base64url');
        await tx('account_inbound_secrets').insert({
          account_id: input.accountId,
          sealed_secret: sealSecret({ key, secret, boundTo: boundTo(input.accountId) }),
          created_at: input.now.toISOString(),
        });
        return {
          accountId: input.accountId,
          secret,
          createdAt: iso(input.now),
          previousValidUntil: retired.length > 0 ? validUntil : null,
        };
      };
      return trx ? run(trx) : db.transaction(run);
    },

    /** The secrets a signature may be made with now: the current one and those in their grace period. */
    async validSecrets(input: { accountId: string; now: Date }, trx: Executor = db): Promise<SigningSecret[]> {
      const rows = await trx('account_inbound_secrets')
        .where({ account_id: input.accountId })
        .where((q) => {
          void q.whereNull('valid_until').orWhere('valid_until', '>', input.now.toISOString());
        })
        .orderBy('id', 'desc')
        .select<(SecretRow & { valid_until: Date | null })[]>('id', 'secret', 'sealed_secret', 'valid_until');
      const secrets: SigningSecret[] = [];
      for (const row of rows) {
        const validUntil = row.valid_until === null ? null : iso(row.valid_until);
        if (row.sealed_secret !== null) {
          secrets.push({
            secret: openSecret({ key, sealed: row.sealed_secret, boundTo: boundTo(input.accountId) }),
            validUntil,
          });
        } else if (row.secret !== null) {
          await sealStoredPlain(trx, key, input.accountId, row);
          secrets.push({ secret: row.secret, validUntil });
        }
      }
      return secrets;
    },
  };
}

export type InboundSecretStore = ReturnType<typeof createInboundSecretStore>;
