/**
 * Campaigns over HTTP: create one with its plan, add posts, act on all its posts at once, list,
 * read, and its report (JSON, or CSV with `Accept: text/csv`). The campaign service carries them
 * out; the campaign's workflow has the last word on an action.
 */
import { stringify } from 'csv-stringify/sync';
import { campaignReportRows } from '../../domain/campaigns';
import { mountOperation, type OperationTarget } from '../operations';
import {
  AddCampaignPostsBody,
  AddedCampaignPostsResponse,
  CampaignActionResponse,
  CampaignCancelBody,
  CampaignDetailSchema,
  CampaignIdParams,
  CampaignIdempotencyHeaders,
  CampaignListResponse,
  CampaignPauseBody,
  CampaignReportResponse,
  CampaignResumeBody,
  CampaignSchema,
  CampaignShiftBody,
  CreateCampaignBody,
  ErrorResponse,
  ListCampaignsQuery,
} from '../schemas';
import type { ApiServices } from '../services';

const ACTION_ERRORS = [404, 409];
const ACTION_SUCCESS = {
  status: 200,
  description:
    'The action was carried out (`status` done) with the posts it reached and those it could not, with the reason; ' +
    'or, for a large campaign, is still under way (`queued` or `running`) and shows on GET /v1/campaigns/{id}',
  schema: CampaignActionResponse,
};

export function mountCampaignRoutes(target: OperationTarget, { campaigns }: Pick<ApiServices, 'campaigns'>): void {
  mountOperation(target, {
    method: 'post',
    path: '/v1/campaigns',
    operationId: 'createCampaign',
    tag: 'campaigns',
    summary: 'Create a campaign, optionally with its plan of posts',
    description:
      'Stores the campaign and its plan, then starts its workflow `campaign:<id>`, which creates the planned ' +
      'posts in batches (each exactly like POST /v1/posts, authored by the caller) and shows its progress on ' +
      'GET /v1/campaigns/{id}: created, failed with the reason, pending. Accounts and publish times are checked ' +
      'before anything is stored. When the campaign ends its report is stored and sent through the webhook.',
    access: 'manageCampaigns',
    body: CreateCampaignBody,
    headers: CampaignIdempotencyHeaders,
    otherResponses: {
      422: {
        description: 'The Idempotency-Key was already used by this user for a request with a different body',
        schema: ErrorResponse,
      },
    },
    success: {
      status: 201,
      description:
        'The campaign exists and its workflow is creating its posts; a repeat with the same key answers the same campaign',
      schema: CampaignSchema,
    },
    handle: async ({ body, user, res, headers }) => {
      const idempotencyKey = headers['idempotency-key'];
      const created = await campaigns.create({ user, body, ...(idempotencyKey ? { idempotencyKey } : {}) });
      res.setHeader('Location', `/v1/campaigns/${created.id}`);
      return created;
    },
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/campaigns',
    operationId: 'listCampaigns',
    tag: 'campaigns',
    summary: 'List campaigns, newest first',
    description: "Filter by brand and status; page with `cursor`. Progress comes from the posts' projection.",
    access: 'readPosts',
    query: ListCampaignsQuery,
    success: { status: 200, description: 'A page of campaigns', schema: CampaignListResponse },
    handle: ({ query, user }) => campaigns.list(user, query),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/campaigns/:id',
    operationId: 'getCampaign',
    tag: 'campaigns',
    summary: 'A campaign with its progress',
    description:
      "The plan's progress (created, failed with reasons, pending) and its posts per stage, published, failed " +
      'and the next publish time, from Postgres.',
    access: 'readPosts',
    params: CampaignIdParams,
    errors: [404],
    success: { status: 200, description: 'The campaign', schema: CampaignDetailSchema },
    handle: ({ params, user }) => campaigns.get(user, params.id),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/campaigns/:id/posts',
    operationId: 'addCampaignPosts',
    tag: 'campaigns',
    summary: 'Add posts to a campaign',
    description:
      'Appends posts to the plan (same shape as its items); the workflow creates them, held if the campaign is ' +
      'paused. A single post can also join with `campaignId` on POST /v1/posts.',
    access: 'createPost',
    params: CampaignIdParams,
    body: AddCampaignPostsBody,
    headers: CampaignIdempotencyHeaders,
    errors: ACTION_ERRORS,
    success: {
      status: 202,
      description: 'The posts are planned; their ids and places in the plan. Follow them on GET /v1/campaigns/{id}',
      schema: AddedCampaignPostsResponse,
    },
    handle: ({ params, body, user, headers }) => {
      const idempotencyKey = headers['idempotency-key'];
      return campaigns.addPosts({
        user,
        campaignId: params.id,
        posts: body.posts,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    },
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/campaigns/:id/pause',
    operationId: 'pauseCampaign',
    tag: 'campaigns',
    summary: 'Hold every post of the campaign that has not started publishing',
    description:
      "Each post gets the campaign's hold and does not publish until the campaign resumes; posts created or " +
      'joining meanwhile start held.',
    access: 'manageCampaigns',
    params: CampaignIdParams,
    body: CampaignPauseBody,
    errors: ACTION_ERRORS,
    success: ACTION_SUCCESS,
    handle: ({ params, body, user }) => campaigns.pause(user, params.id, body),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/campaigns/:id/resume',
    operationId: 'resumeCampaign',
    tag: 'campaigns',
    summary: "Release the campaign's hold on its posts",
    access: 'manageCampaigns',
    params: CampaignIdParams,
    body: CampaignResumeBody,
    errors: ACTION_ERRORS,
    success: ACTION_SUCCESS,
    handle: ({ params, body, user }) => campaigns.resume(user, params.id, body),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/campaigns/:id/cancel',
    operationId: 'cancelCampaign',
    tag: 'campaigns',
    summary: 'Cancel the campaign and its unpublished posts',
    description:
      'Every post not yet publishing is cancelled with the reason; published posts stay. The report is stored and ' +
      'sent, and the campaign takes no further posts or actions.',
    access: 'manageCampaigns',
    params: CampaignIdParams,
    body: CampaignCancelBody,
    errors: ACTION_ERRORS,
    success: ACTION_SUCCESS,
    handle: ({ params, body, user }) => campaigns.cancel(user, params.id, body),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/campaigns/:id/shift',
    operationId: 'shiftCampaign',
    tag: 'campaigns',
    summary: 'Move every unpublished post by the same offset',
    description:
      "Counted in the brand's time zone: P1D moves a local 09:00 to 09:00 the next day across a clock change. A " +
      'post the shift would move into the past is not reached, with the reason.',
    access: 'manageCampaigns',
    params: CampaignIdParams,
    body: CampaignShiftBody,
    errors: ACTION_ERRORS,
    success: ACTION_SUCCESS,
    handle: ({ params, body, user }) => campaigns.shift(user, params.id, body),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/reports/campaigns/:id',
    operationId: 'getCampaignReport',
    tag: 'campaigns',
    summary: "The campaign's report",
    description:
      'Posts published, failed, cancelled and per stage; metric sums per platform and account from the stored ' +
      'snapshots (the latest of each publication), with the engagement rate where reach is known. The stored ' +
      'report once the campaign has ended, live figures before. With `Accept: text/csv`, the same as CSV rows ' +
      '(section, platform, accountId, metric, value).',
    access: 'readPosts',
    params: CampaignIdParams,
    errors: [404],
    success: { status: 200, description: 'The report', schema: CampaignReportResponse },
    handle: async ({ params, user, req, res }) => {
      const report = await campaigns.report(user, params.id);
      if (req.accepts(['application/json', 'text/csv']) !== 'text/csv') return report;
      res
        .status(200)
        .type('text/csv')
        .setHeader('Content-Disposition', `attachment; filename="campaign-${params.id}.csv"`)
        .send(
          stringify(campaignReportRows(report), {
            header: true,
            columns: ['section', 'platform', 'accountId', 'metric', 'value'],
          }),
        );
      return undefined;
    },
  });
}
