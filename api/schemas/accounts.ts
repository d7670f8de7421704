import { z } from 'zod';
import { Identifier, IsoInstant, PlatformSchema } from './common';

export const AccountParams = z.object({ accountId: Identifier });

const WEB_URL = /^https?:\/\/[^\s]+$/;

export const BlueskyCredentialsBody = z
  .object({
    handle: z
      .string()
      .min(3)
      .max(253)
      .regex(
        /^(did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+)$/,
        {
          message: 'expected a Bluesky handle such as brand.bsky.social (without @) or a DID',
        },
      )
      .openapi({ description: 'The handle (or DID) the account signs in as', example: 'brand.bsky.social' }),
    serviceUrl: z
      .string()
      .max(2000)
      .regex(WEB_URL, { message: 'expected an http(s) URL' })
      .refine((value) => URL.canParse(value), { message: 'expected an http(s) URL' })
      .default('https://bsky.social')
      .openapi({ description: "The account's PDS or entryway", example: 'https://bsky.social' }),
    appPassword: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, { message: 'expected printable ASCII without spaces, as Bluesky issues them' })
      .openapi({ description: 'An app password (Settings → App passwords); stored encrypted, never shown again' }),
  })
  .strict()
  .openapi('BlueskyCredentials');

export const AccountHealthSchema = z
  .object({
    credentialsSetAt: IsoInstant,
    lastSuccessAt: IsoInstant.nullable(),
    lastErrorAt: IsoInstant.nullable(),
    lastError: z.string().nullable(),
    needsReauthentication: z.boolean().openapi({
      description: 'The platform refused the credentials; nothing is sent for the account until new ones are set',
    }),
  })
  .openapi('AccountHealth');

export const AccountResponse = z
  .object({
    id: z.string(),
    brandId: z.string(),
    platform: PlatformSchema,
    handle: z.string(),
    connector: z.string().openapi({ description: '`sandbox`, or the real platform once credentials are set' }),
    status: z.enum(['active', 'revoked']),
    createdAt: IsoInstant,
    credentials: z
      .object({ login: z.string(), serviceUrl: z.string() })
      .nullable()
      .openapi({ description: 'Who the account signs in as and where; the password is never returned' }),
    health: AccountHealthSchema.nullable(),
  })
  .openapi('Account');
