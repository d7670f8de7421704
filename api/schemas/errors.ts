/** The one body every error response shares (see api/errors.ts, which fills it). */
import { z } from './common';

export const ErrorResponse = z
  .object({
    error: z.string().openapi({ example: 'conflict' }),
    message: z.string().openapi({ example: 'post is in legal_review, not final_approval' }),
    requestId: z.string(),
    issues: z
      .array(
        z.object({
          code: z.string(),
          path: z.array(z.union([z.string(), z.number()])),
          message: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'zod validation issues (400 only): the path of each offending field and what is wrong' }),
    reason: z.string().optional().openapi({ description: "The workflow validator's failure type (403/409)" }),
    dependency: z.enum(['temporal', 'postgres']).optional().openapi({ description: 'What is unavailable (503 only)' }),
    revision: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'The revision the quality issues belong to (422 only)' }),
    qualityIssues: z
      .array(
        z.object({
          accountId: z.string().optional(),
          platform: z.string().optional(),
          code: z.string(),
          message: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'What fails the quality checks (422 only)' }),
    budgetMs: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'The time budget the request ran out of (503 `request_timeout` only)' }),
    allow: z
      .array(z.string())
      .optional()
      .openapi({ description: 'The methods the path takes, as in the Allow header (405 only)' }),
    retryAfterSeconds: z.number().int().optional().openapi({
      description: 'Seconds until the spent request budget is renewed; also sent as Retry-After (429 only)',
    }),
  })
  .openapi('Error');
