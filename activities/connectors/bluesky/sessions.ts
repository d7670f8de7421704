/**
 * One signed-in agent per account, kept for the worker's life. The access token is refreshed a
 * minute before it expires and, by the client, once on an expired-token answer. When the refresh
 * token is refused too, the account signs in again with its app password, once; if that is
 * refused, the account is marked as needing re-authentication and nothing more is tried for it
 * until an admin sets new credentials. No path refreshes twice for one call.
 */
import { AtpAgent } from '@atproto/api';
import type { Account } from '../../../db/accounts';
import type { AccountCredentialStore } from '../../../db/accountCredentials';
import { SealedSecretUnreadableError } from '../../../db/sealedSecrets';
import { isAuthenticationRefused, needsReauthentication } from './failures';

/** How long before its expiry an access token is replaced. */
export const REFRESH_AHEAD_MS = 60_000;

export interface SignedIn {
  agent: AtpAgent;
  did: string;
  handle: string;
}

export interface BlueskySessionOptions {
  credentials: AccountCredentialStore;
  clock: () => Date;
  /** The HTTP client the agents use (tests put the platform's answers through it). */
  fetch?: typeof globalThis.fetch;
}

interface CachedSession {
  signedIn: SignedIn;
  credentialsSetAt: string;
}

/** When the token stops being accepted, read from its payload; undefined when it cannot be read. */
export function tokenExpiresAt(jwt: string): number | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export function createBlueskySessions(options: BlueskySessionOptions) {
  const cached = new Map<string, CachedSession>();

  async function signIn(account: Account): Promise<CachedSession> {
    const health = await options.credentials.health(account.id);
    if (!health) throw needsReauthentication(account, 'no Bluesky credentials are set for the account');
    if (health.needsReauthentication) {
      throw needsReauthentication(account, health.lastError ?? 'the platform refused its credentials');
    }
    let credentials;
    try {
      credentials = await options.credentials.open(account.id);
    } catch (error) {
      if (error instanceof SealedSecretUnreadableError) throw needsReauthentication(account, error.message);
      throw error;
    }
    if (!credentials) throw needsReauthentication(account, 'no Bluesky credentials are set for the account');
    const agent = new AtpAgent({ service: credentials.serviceUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
    try {
      await agent.login({ identifier: credentials.login, password: credentials.password });
    } catch (error) {
      if (!isAuthenticationRefused(error)) throw error;
      const reason = 'the app password was refused (revoked or changed); set new credentials';
      await options.credentials.recordError({
        accountId: account.id,
        at: options.clock(),
        error: reason,
        needsReauthentication: true,
      });
      throw needsReauthentication(account, reason);
    }
    const session = agent.session!;
    const signedIn = { agent, did: session.did, handle: session.handle };
    return { signedIn, credentialsSetAt: health.credentialsSetAt };
  }

  async function current(account: Account): Promise<SignedIn> {
    const known = cached.get(account.id);
    const health = known ? await options.credentials.health(account.id) : undefined;
    if (known && health && health.credentialsSetAt === known.credentialsSetAt && !health.needsReauthentication) {
      const expiresAt = tokenExpiresAt(known.signedIn.agent.session?.accessJwt ?? '');
      if (expiresAt === undefined || expiresAt - options.clock().getTime() > REFRESH_AHEAD_MS) return known.signedIn;
      try {
        await known.signedIn.agent.sessionManager.refreshSession();
        if (known.signedIn.agent.session) return known.signedIn;
      } catch (error) {
        if (!isAuthenticationRefused(error)) throw error;
      }
    }
    cached.delete(account.id);
    const fresh = await signIn(account);
    cached.set(account.id, fresh);
    return fresh.signedIn;
  }

  return {
    /**
     * Runs `call` signed in as the account. A call refused for its authentication after the
     * client's own refresh signs in again once and runs once more.
     */
    async as<T>(account: Account, call: (signedIn: SignedIn) => Promise<T>): Promise<T> {
      const signedIn = await current(account);
      try {
        return await call(signedIn);
      } catch (error) {
        if (!isAuthenticationRefused(error)) throw error;
        cached.delete(account.id);
        return call(await current(account));
      }
    },
    forget(accountId: string): void {
      cached.delete(accountId);
    },
  };
}

export type BlueskySessions = ReturnType<typeof createBlueskySessions>;
