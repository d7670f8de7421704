/**
 * The types of the ApplicationFailures activities throw and workflows match on. Both sides need the
 * same strings, and recorded histories carry them, so they live here as plain data and never change.
 */

/** Failure types thrown as non-retryable ApplicationFailures; listed in the workflow's retry policy. */
export const ErrorType = {
  AccountRevoked: 'AccountRevoked',
  /** The platform refused the account's stored credentials; an admin must set new ones. */
  AccountNeedsReauthentication: 'AccountNeedsReauthentication',
  ContentRefused: 'ContentRefused',
  RateLimited: 'RateLimited',
  AccountNotFound: 'AccountNotFound',
  BrandNotFound: 'BrandNotFound',
  /** The account names a connector this worker does not have. */
  ConnectorNotConfigured: 'ConnectorNotConfigured',
  /** Metrics were asked for a publication the platform does not know. */
  PublicationNotFound: 'PublicationNotFound',
  /** The outbound webhook did not accept a notification; retried. */
  NotificationDeliveryFailed: 'NotificationDeliveryFailed',
  /**
   * A value the activity was asked to write can never be written as it is (it breaks the text
   * policy, or Postgres refuses it as data); retrying cannot help. The message names the value.
   */
  UnstorableValue: 'UnstorableValue',
  /**
   * The content checks fail on the content itself. They are pure functions of the content and the
   * brand's rules, so every retry would fail the same way.
   */
  UncheckableContent: 'UncheckableContent',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Why publishing a variant can fail for good; the variant then fails and says why. */
export const NON_RETRYABLE_PUBLISH_ERRORS: string[] = [
  ErrorType.AccountRevoked,
  ErrorType.AccountNeedsReauthentication,
  ErrorType.ContentRefused,
  ErrorType.AccountNotFound,
  ErrorType.BrandNotFound,
  ErrorType.UnstorableValue,
];
/** Why recording a transition can fail for good; the workflow then fails the post and says why. */
export const NON_RETRYABLE_RECORD_ERRORS: string[] = [ErrorType.UnstorableValue];

/** The brand no longer exists; the brand publishing workflow stops on it. */
export const BRAND_NOT_FOUND = ErrorType.BrandNotFound;

/** A campaign's activity was asked about a campaign that does not exist; retrying cannot help. */
export const CAMPAIGN_NOT_FOUND = 'CampaignNotFound';
