/**
 * Inbound webhooks: a platform delivers comments, DMs and mentions for one account, signed with
 * the account's inbound secret. Each event goes to its conversation's workflow by
 * signal-with-start; the answer comes once Temporal holds every event, so a platform that gets
 * 202 can forget the batch, and one that gets anything else sends it again (repeats are recorded once).
 */
import type { NextFunction, Request, Response } from 'express';
import { threadIdOf } from '../../domain/threadState';
import {
  inboundMessage,
  THREAD_WORKFLOW_TYPE,
  threadWorkflowId,
  type InboundMessageSignal,
  type ThreadLifecycleInput,
} from '../../workflows/thread/messages';
import { coversBrand } from '../auth';
import { unauthenticated } from '../errors';
import { notFound } from '../services/errors';
import { INBOUND_SIGNATURE_HEADER, inboundSignatureValid, type RawBodyRequest } from '../inboundSignature';
import { mountOperation, type OperationTarget } from '../operations';
import { EmptyBody } from '../schemas';
import {
  AccountIdParams,
  InboundAcceptedResponse,
  InboundBody,
  InboundHeaders,
  InboundSecretResponse,
} from '../threadSchemas';
import type { ApiServices } from '../services';

const INBOUND_PATH = '/v1/inbound/:accountId';

export function mountInboundRoutes(target: OperationTarget, services: ApiServices): void {
  const conversations = services.conversations;
  const secrets = conversations.inboundSecrets;
  const threads = conversations.threads;

  // Judged before the body's schema, so an unsigned request learns nothing about what it sent.
  target.router.post(INBOUND_PATH, async (req: Request, res: Response, next: NextFunction) => {
    const accountId = typeof req.params.accountId === 'string' ? req.params.accountId : '';
    const account = accountId.length <= 200 ? await services.conversations.accounts.findById(accountId) : undefined;
    const valid =
      account !== undefined &&
      inboundSignatureValid({
        body: (req as RawBodyRequest).rawBody ?? Buffer.alloc(0),
        header: req.get(INBOUND_SIGNATURE_HEADER),
        secrets: await secrets.validSecrets({ accountId: account.id, now: new Date() }),
      });
    if (!valid) throw unauthenticated(`Missing or wrong ${INBOUND_SIGNATURE_HEADER} for this account`);
    res.locals.inboundAccount = account;
    next();
  });

  mountOperation(target, {
    method: 'post',
    path: INBOUND_PATH,
    operationId: 'receiveInbound',
    tag: 'inbound',
    summary: "Receive a platform's comments, DMs and mentions for an account",
    description:
      `Signed with the account's inbound secret: \`${INBOUND_SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the ` +
      'raw body>`. A missing or wrong signature gets 401 and nothing is recorded. Each event goes to the workflow ' +
      '`thread:<accountId>:<threadId>` (started by the first one); 202 means Temporal holds every event. ' +
      'A message delivered again is counted in `duplicates` and recorded once.',
    access: 'public',
    params: AccountIdParams,
    headers: InboundHeaders,
    body: InboundBody,
    errors: [401, 503],
    success: { status: 202, description: 'Every event is with its conversation', schema: InboundAcceptedResponse },
    handle: async ({ res, body }) => {
      const account = res.locals.inboundAccount as NonNullable<
        Awaited<ReturnType<typeof services.conversations.accounts.findById>>
      >;
      const seen = new Set(
        await threads.knownMessageIds({ accountId: account.id, externalIds: body.events.map((e) => e.messageId) }),
      );
      const byThread = new Map<string, InboundMessageSignal[]>();
      let duplicates = 0;
      for (const event of body.events) {
        if (seen.has(event.messageId)) {
          duplicates += 1;
          continue;
        }
        seen.add(event.messageId);
        const signal: InboundMessageSignal = {
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
        byThread.set(event.threadId, [...(byThread.get(event.threadId) ?? []), signal]);
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
            await services.conversations.temporal.call(() =>
              services.conversations.temporal.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
                workflowId: threadWorkflowId(threadIdOf(input)),
                taskQueue: services.conversations.temporal.taskQueue,
                args: [input],
                signal: inboundMessage,
                signalArgs: [signal],
              }),
            );
          }
        }),
      );
      return { accepted: body.events.length - duplicates, duplicates };
    },
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/accounts/:accountId/inbound-secret',
    operationId: 'rotateInboundSecret',
    tag: 'inbound',
    summary: 'Issue a new inbound webhook secret for an account',
    description:
      'The answer shows the new secret once. Signatures made with the secrets it replaces are accepted for ' +
      'another 24 hours (`previousValidUntil`), time to switch the platform over.',
    access: 'manageInboundSecrets',
    params: AccountIdParams,
    body: EmptyBody,
    errors: [404],
    success: { status: 200, description: 'The new secret', schema: InboundSecretResponse },
    handle: async ({ params, user }) => {
      const account = await services.conversations.accounts.findById(params.accountId);
      if (!account || !coversBrand(user, account.brandId)) throw notFound('No such account');
      return secrets.rotate({ accountId: account.id, now: new Date() });
    },
  });
}
