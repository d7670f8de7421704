/**
 * Turns what a person typed (a local publish time, account ids) into what the workflow takes
 * (a UTC instant, variants with their platforms), refusing what cannot be right as invalid input
 * that points at the offending field.
 */
import type { Account } from '../../db/accounts';
import { initialPostState as initialState } from '../../domain/initialPostState';
import { PublishTimeError, assertPublishable, toUtcInstant } from '../../domain/publishTime';
import type { PostLifecycleInput, RevisionContent } from '../../domain/types';
import type { PostState } from '../../domain/postState';
import { invalidField } from './errors';

const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads an instant with an offset as is, and a wall-clock time in the given zone. A time that has
 * passed is refused rather than published at once: a year typed wrong would otherwise send a post
 * out the moment it is approved. Publishing now has its own action.
 */
export function resolvePublishAt({
  publishAt,
  timeZone,
  field = 'publishAt',
  now = Date.now(),
}: {
  publishAt: string;
  timeZone: string;
  field?: string;
  now?: number;
}): string {
  try {
    const instant = HAS_OFFSET.test(publishAt)
      ? toUtcInstant({ instant: publishAt, timeZone })
      : toUtcInstant({ localDateTime: publishAt, timeZone });
    assertPublishable({ instant, now });
    return instant;
  } catch (error) {
    if (error instanceof PublishTimeError) {
      throw invalidField([error.code === 'invalid_time_zone' ? 'timeZone' : field], error.message);
    }
    throw error;
  }
}

/**
 * Checks that every account exists and belongs to the brand; returns them in the order asked.
 * `path` names the array the ids came from, for the error.
 */
export async function resolveBrandAccounts({
  brandId,
  accountIds,
  path,
  findByIds,
}: {
  brandId: string;
  accountIds: string[];
  path: string[];
  findByIds: (ids: string[]) => Promise<Account[]>;
}): Promise<Account[]> {
  const found = new Map((await findByIds(accountIds)).map((account) => [account.id, account]));
  return accountIds.map((accountId, index) => {
    const account = found.get(accountId);
    if (!account || account.brandId !== brandId) {
      throw invalidField(
        [...path, index, 'accountId'],
        `account ${accountId} is not one of brand ${brandId}'s accounts`,
      );
    }
    return account;
  });
}

export function draftContent({
  draft,
  accounts,
}: {
  draft: {
    variants: Array<
      Pick<RevisionContent['variants'][number], 'accountId' | 'text' | 'media' | 'languages' | 'quoteOf'>
    >;
    note?: string;
  };
  accounts: Account[];
}): RevisionContent {
  const platformOf = new Map(accounts.map((account) => [account.id, account.platform]));
  return {
    variants: draft.variants.map((variant) => ({
      accountId: variant.accountId,
      platform: platformOf.get(variant.accountId)!,
      text: variant.text,
      media: variant.media,
      ...(variant.languages !== undefined ? { languages: variant.languages } : {}),
      ...(variant.quoteOf !== undefined ? { quoteOf: variant.quoteOf } : {}),
    })),
    ...(draft.note !== undefined ? { note: draft.note } : {}),
  };
}

/**
 * The projection row written when a post is created, so that lists show it at once. It is a
 * placeholder: the workflow's own first projection carries a sequence and replaces it.
 */
export function initialPostState({
  input,
  now,
}: {
  input: PostLifecycleInput;
  /** Unused: the input's draft or targets name the same accounts, with their platforms. */
  targets?: Array<Pick<Account, 'id' | 'platform'>>;
  now: string;
}): PostState {
  return initialState({ input, now, view: 'created' });
}
