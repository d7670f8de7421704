/**
 * Inbound webhooks over HTTP: a platform delivers comments, DMs and mentions for one account,
 * signed with the account's inbound secret; the inbound service checks the signature and hands
 * each event to its conversation's workflow. 202 means Temporal holds every event.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Account } from '../../db/accounts';
import type { InboundBudget } from '../inboundBudget';
import { INBOUND_SIGNATURE_HEADER, type RawBodyRequest } from '../inboundSignature';
import { mountOperation, type OperationTarget } from '../operations';
import { EmptyBody } from '../schemas';
import type { ApiServices } from '../services';
import {
  AccountIdParams,
  InboundAcceptedResponse,
  InboundBody,
  InboundHeaders,
  InboundSecretResponse,
} from '../threadSchemas';

const INBOUND_PATH = '/v1/inbound/:accountId';

export function mountInboundRoutes(
  target: OperationTarget,
  { inbound }: Pick<ApiServices, 'inbound'>,
  budget: InboundBudget,
): void {
  // Judged before the body's schema, so an unsigned request learns nothing about what it sent.
  target.router.post(INBOUND_PATH, async (req: Request, res: Response, next: NextFunction) => {
    const account = await inbound.signedAccount({
      accountId: typeof req.params.accountId === 'string' ? req.params.accountId : '',
      body: (req as RawBodyRequest).rawBody ?? Buffer.alloc(0),
      signature: req.get(INBOUND_SIGNATURE_HEADER),
    });
    // Only a signed delivery spends the account's budget, so nobody else can exhaust it.
    const events = (req.body as { events?: unknown } | undefined)?.events;
    const refusal = budget.spend(account.id, Array.isArray(events) ? events.length : 1);
    if (refusal) throw refusal;
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
      'A message delivered again is counted in `duplicates` and recorded once. Each account may deliver a ' +
      'limited number of events per minute (INBOUND_RATE_LIMIT_PER_MINUTE, counted in events, not requests); ' +
      'beyond it, 429 with `Retry-After`.',
    access: 'public',
    params: AccountIdParams,
    headers: InboundHeaders,
    body: InboundBody,
    errors: [401, 429, 503],
    success: { status: 202, description: 'Every event is with its conversation', schema: InboundAcceptedResponse },
    handle: ({ res, body }) => inbound.receive(res.locals.inboundAccount as Account, body.events),
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
    handle: ({ params, user }) => inbound.rotateSecret(user, params.accountId),
  });
}
