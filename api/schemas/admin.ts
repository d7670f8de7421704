/** Administration: reconciling projections with Temporal. */
import { z } from './common';

export const ReconcileResponse = z
  .object({
    checked: z.number().int().openapi({ description: 'Open posts whose workflow was looked up in Temporal' }),
    running: z.number().int().openapi({ description: 'Of those, posts whose workflow still runs' }),
    starting: z
      .number()
      .int()
      .openapi({ description: 'Posts created moments ago whose workflow is still being started; checked next time' }),
    failed: z.number().int().openapi({
      description: 'Open posts whose workflow could not be looked up this time; the next pass tries again',
    }),
    lost: z
      .array(
        z.object({
          postId: z.string(),
          fromStage: z.string().openapi({ description: 'The stage the projection showed' }),
          reason: z.string().openapi({ description: 'How the workflow was lost, and what had been published' }),
          publishedTo: z
            .array(z.string())
            .openapi({ description: "Accounts the platforms' ledgers show the post was published to" }),
        }),
      )
      .openapi({ description: 'Posts closed as `lost` by this pass' }),
  })
  .openapi('ReconcileResult');
