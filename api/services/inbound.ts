/**
 * Inbound webhooks as use cases: whether a delivery is signed with one of the account's inbound
 * secrets, handing each new event to its conversation's workflow by signal-with-start, and
 * issuing a new secret. A batch is answered once Temporal holds every event, so a platform told
 * it was accepted can forget it, and one told anything else sends it again (repeats are recorded once).
 */
import type { Account, AccountStore } from '../../db/accounts';
import type { InboundSecretStore } from '../../db/inboundSecrets';
import type { ThreadStore } from '../../db/threads';
import { deliverInbound, startOrSignalWith, type InboundEvent } from '../../activities/connectors/inboundDelivery';
import { INBOUND_SIGNATURE_HEADER, inboundSignatureValid } from '../inboundSignature';
import { Identifier } from '../schemas/common';
import { coversBrand, type AuthenticatedUser } from './caller';
import { notFound, unauthenticatedCaller } from './errors';
import { createSigningKeys, type SigningKeys } from './signingKeys';
import type { TemporalAccess } from './temporal';

export interface InboundServiceDeps {
  accounts: Pick<AccountStore, 'findById'>;
  secrets: Pick<InboundSecretStore, 'validSecrets' | 'rotate'>;
  threads: Pick<ThreadStore, 'knownMessageIds'>;
  temporal: TemporalAccess;
}

export type { InboundEvent };

export function createInboundService({ accounts, secrets, threads, temporal }: InboundServiceDeps) {
  const signingKeys = createSigningKeys({ accounts, secrets });
  return {
    /** The account a delivery is for, when its signature header signs the raw body with a valid secret. */
    async signedAccount({
      accountId,
      body,
      signature,
    }: {
      accountId: string;
      body: Buffer;
      signature: string | undefined;
    }): Promise<Account> {
      const signedWith = (keys: SigningKeys | undefined): keys is SigningKeys =>
        keys !== undefined && inboundSignatureValid({ body, header: signature, secrets: keys.secrets });
      // An id no account can have (too long, a control character, bytes Postgres refuses) is not looked up.
      if (Identifier.safeParse(accountId).success) {
        const { keys, cached } = await signingKeys.lookup(accountId);
        if (signedWith(keys)) return keys.account;
        // What was kept may predate a rotation: the secret just issued must verify at once.
        if (cached) {
          const { keys: current } = await signingKeys.lookup(accountId, { fresh: true });
          if (signedWith(current)) return current.account;
        }
      }
      throw unauthenticatedCaller(`Missing or wrong ${INBOUND_SIGNATURE_HEADER} for this account`);
    },

    /** Hands every event not seen before to its conversation's workflow. */
    async receive(account: Account, events: InboundEvent[]) {
      const signalWithStart = startOrSignalWith(temporal.workflow, temporal.taskQueue);
      return deliverInbound({
        account,
        events,
        threads,
        startOrSignal: (start) => temporal.call(() => signalWithStart(start)),
      });
    },

    /** A new inbound secret for an account the user works for; the ones it replaces stay valid a while. */
    async rotateSecret(user: AuthenticatedUser, accountId: string) {
      const account = await accounts.findById(accountId);
      if (!account || !coversBrand(user, account.brandId)) throw notFound('No such account');
      return secrets.rotate({ accountId: account.id, now: new Date() });
    },
  };
}

export type InboundService = ReturnType<typeof createInboundService>;
