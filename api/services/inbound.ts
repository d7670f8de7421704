/**
 * Inbound webhooks as use cases: whether a delivery is signed with one of the account's inbound
 * secrets, handing each new event to its conversation's workflow by signal-with-start, and
 * issuing a new secret. A batch is answered once Temporal holds every event, so a platform told
 * it was accepted can forget it, and one told anything else sends it again (repeats are recorded once).
 */
import type { Account, AccountStore } from '../../db/accounts';
import type { InboundSecretStore } from '../../db/inboundSecrets';
import type { ThreadStore } from '../../db/threads';
import { threadIdOf } from '../../domain/threadState';
import {
  inboundMessage,
  THREAD_WORKFLOW_TYPE,
  threadWorkflowId,
  type InboundMessageSignal,
  type ThreadLifecycleInput,
} from '../../workflows/thread/messages';
import { INBOUND_SIGNATURE_HEADER, inboundSignatureValid } from '../inboundSignature';
import { coversBrand, type AuthenticatedUser } from './caller';
import { notFound, unauthenticatedCaller } from './errors';
import { createSigningKeys, type SigningKeys } from './signingKeys';
import type { TemporalAccess } from './temporal';

/** Longer account ids are never looked up: no account has one. */
const MAX_ACCOUNT_ID_LENGTH = 200;

export interface InboundServiceDeps {
  accounts: Pick<AccountStore, 'findById'>;
  secrets: Pick<InboundSecretStore, 'validSecrets' | 'rotate'>;
  threads: Pick<ThreadStore, 'knownMessageIds'>;
  temporal: TemporalAccess;
}

/** One event of a delivery, as the platform sent it. */
export interface InboundEvent {
  threadId: string;
  messageId: string;
  kind: InboundMessageSignal['kind'];
  author: { id: string; handle: string; name?: string };
  text: string;
  sentAt: string;
  inReplyTo?: string;
  postExternalId?: string;
}

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
      if (accountId.length <= MAX_ACCOUNT_ID_LENGTH) {
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
      const seen = new Set(
        await threads.knownMessageIds({ accountId: account.id, externalIds: events.map((e) => e.messageId) }),
      );
      const byThread = new Map<string, InboundMessageSignal[]>();
      let duplicates = 0;
      for (const event of events) {
        if (seen.has(event.messageId)) {
          duplicates += 1;
          continue;
        }
        seen.add(event.messageId);
        byThread.set(event.threadId, [...(byThread.get(event.threadId) ?? []), signalOf(event)]);
      }
      // Conversations side by side; within one, messages in the order the platform sent them.
      await Promise.all(
        [...byThread].map(async ([externalThreadId, signals]) => {
          const input: ThreadLifecycleInput = {
            accountId: account.id,
            brandId: account.brandId,
            platform: account.platform,
            externalThreadId,
          };
          for (const signal of signals) {
            await temporal.call(() =>
              temporal.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
                workflowId: threadWorkflowId(threadIdOf(input)),
                taskQueue: temporal.taskQueue,
                args: [input],
                signal: inboundMessage,
                signalArgs: [signal],
              }),
            );
          }
        }),
      );
      return { accepted: events.length - duplicates, duplicates };
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

function signalOf(event: InboundEvent): InboundMessageSignal {
  return {
    messageId: event.messageId,
    kind: event.kind,
    author: {
      id: event.author.id,
      handle: event.author.handle,
      ...(event.author.name !== undefined ? { name: event.author.name } : {}),
    },
    text: event.text,
    sentAt: event.sentAt,
    ...(event.inReplyTo !== undefined ? { inReplyTo: event.inReplyTo } : {}),
    ...(event.postExternalId !== undefined ? { postExternalId: event.postExternalId } : {}),
  };
}
