/**
 * Who is calling: a bearer API key identifies a user and their roles. What each role may do is
 * decided here only coarsely (a fast 403); the post workflow enforces the precise rules (stage,
 * ownership, separation of duties) in its update validators.
 */
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isNewApiKeyUse, type UserStore } from '../db/users';
import { ACTION_RULES, REVIEWER_ROLES, rolesAttempting, type ActionName } from '../domain/permissions';
import { ROLES, type Role } from '../domain/types';
import { forbidden, unauthenticated } from './errors';
import type { AuthenticatedUser } from './services/caller';

export { actorOf, brandScope, coversBrand, type AuthenticatedUser } from './services/caller';

export { REVIEWER_ROLES };

/**
 * Who may attempt each action, derived from the one table in domain/permissions.ts. Authors may
 * steer only their own posts; which post is theirs is checked against the post there as well.
 */
export const ACTION_ROLES = Object.fromEntries(
  (Object.keys(ACTION_RULES) as ActionName[]).map((action) => [action, rolesAttempting(action)]),
) as Readonly<Record<ActionName, readonly Role[]>>;
export type ApiAction = ActionName;

export function mayPerform(user: Pick<AuthenticatedUser, 'roles'>, action: ApiAction): boolean {
  const allowed: readonly Role[] = ACTION_ROLES[action];
  return user.roles.some((role) => allowed.includes(role));
}

/** Throws 403 unless one of the user's roles allows the action. */
export function assertMayPerform(user: AuthenticatedUser, action: ApiAction): void {
  if (mayPerform(user, action)) return;
  const held = user.roles.length > 0 ? user.roles.join(', ') : 'no role';
  throw forbidden(`${held} may not ${ACTION_RULES[action].verb}; requires one of: ${ACTION_ROLES[action].join(', ')}`);
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Authenticates the request's bearer key and puts the user on `res.locals.user`. */
export function authenticate({ users, logger }: { users: UserStore; logger: Logger }): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw unauthenticated('Missing API key: send Authorization: Bearer <key>');
    }
    const match = BEARER.exec(header);
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_request"');
      throw unauthenticated('Malformed Authorization header: expected Bearer <key>');
    }
    const found = await users.findUserByApiKey(match[1]);
    if (!found) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw unauthenticated('Unknown or revoked API key');
    }
    const user: AuthenticatedUser = {
      id: found.user.id,
      name: found.user.name,
      roles: found.user.roles.filter((role): role is Role => (ROLES as readonly string[]).includes(role)),
      brandId: found.user.brandId,
    };
    res.locals.user = user;
    // Bookkeeping only: a failure to note the key's use must not fail the request.
    if (isNewApiKeyUse(found.apiKey)) {
      users.recordApiKeyUse({ apiKeyId: found.apiKey.id }).catch((error: unknown) => {
        logger.warn({ err: error, apiKeyId: found.apiKey.id }, 'could not record API key use');
      });
    }
    next();
  };
}

/** The user `authenticate` established for this request. */
export function currentUser(res: Response): AuthenticatedUser {
  const user = res.locals.user as AuthenticatedUser | undefined;
  if (!user) throw unauthenticated('Missing API key: send Authorization: Bearer <key>');
  return user;
}
