/** The caller as the use cases see it: who they are, their roles and the brands they work for. */
import type { Actor, Role } from '../../domain/types';

export interface AuthenticatedUser {
  id: string;
  name: string;
  roles: Role[];
  /** The brand the user works for; null means every brand (agency staff, administrators). */
  brandId: string | null;
}

/** Whether the user may see and act on the brand's posts at all. */
export function coversBrand(user: Pick<AuthenticatedUser, 'brandId'>, brandId: string): boolean {
  return user.brandId === null || user.brandId === brandId;
}

/** The brands a listing is restricted to for this user (undefined: no restriction). */
export function brandScope(user: Pick<AuthenticatedUser, 'brandId'>): string[] | undefined {
  return user.brandId === null ? undefined : [user.brandId];
}

export function actorOf(user: AuthenticatedUser): Actor {
  return { userId: user.id, roles: [...user.roles] };
}
