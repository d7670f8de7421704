/** An account's platform connection over HTTP: its credentials (write-only) and its health. */
import { mountOperation, type OperationTarget } from '../operations';
import { AccountParams, AccountResponse, BlueskyCredentialsBody } from '../schemas';
import type { ApiServices } from '../services';

export function mountAccountRoutes(target: OperationTarget, { accounts }: Pick<ApiServices, 'accounts'>): void {
  mountOperation(target, {
    method: 'get',
    path: '/v1/accounts/:accountId',
    operationId: 'getAccount',
    tag: 'accounts',
    summary: 'An account, who it signs in as and its health on the platform',
    description:
      '`health` is null until credentials are set; then it shows the last call the platform accepted, the last ' +
      'error, and `needsReauthentication` once the platform refused the credentials (set new ones to clear it).',
    access: 'readAccounts',
    params: AccountParams,
    errors: [404],
    success: { status: 200, description: 'The account', schema: AccountResponse },
    handle: ({ params, user }) => accounts.get(user, params.accountId),
  });

  mountOperation(target, {
    method: 'put',
    path: '/v1/accounts/:accountId/bluesky-credentials',
    operationId: 'setBlueskyCredentials',
    tag: 'accounts',
    summary: 'Connect a Bluesky account with an app password',
    description:
      'Stores the handle, service URL and app password (encrypted with AES-256-GCM under INBOUND_SECRET_KEY; ' +
      'the password is never returned or logged) and switches the account from the sandbox to Bluesky. Setting ' +
      'them again replaces them and clears `needsReauthentication`. 409 when the account is not on Bluesky.',
    access: 'manageAccountCredentials',
    params: AccountParams,
    body: BlueskyCredentialsBody,
    errors: [404, 409],
    success: { status: 200, description: 'The account, now on Bluesky', schema: AccountResponse },
    handle: ({ params, body, user }) => accounts.setBlueskyCredentials(user, params.accountId, body),
  });
}
