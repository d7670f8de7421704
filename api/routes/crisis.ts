/** A brand's crisis policy and crisis over HTTP; the crisis service and the brand's monitor do the work. */
import { mountOperation, type OperationTarget } from '../operations';
import {
  BrandIdParams,
  ConfirmCrisisBody,
  CrisisActionResponse,
  CrisisPolicyBody,
  CrisisPolicyResponse,
  CrisisReasonBody,
  CrisisStateResponse,
} from '../schemas';
import type { ApiServices } from '../services';

const DURING_A_CRISIS =
  'During a crisis every post of the brand not yet publishing is held (posts created meanwhile start held), ' +
  'publish-now needs `{"confirmCrisis": true}`, and replies to conversations wait for a lead’s approval.';

export function mountCrisisRoutes(target: OperationTarget, { crisis }: Pick<ApiServices, 'crisis'>): void {
  mountOperation(target, {
    method: 'get',
    path: '/v1/brands/:id/crisis-policy',
    operationId: 'getCrisisPolicy',
    tag: 'crisis',
    summary: "The brand's crisis policy",
    description: 'A brand that configured nothing reads the defaults (`source: "default"`, version 1).',
    access: 'readCrisis',
    params: BrandIdParams,
    errors: [404],
    success: { status: 200, description: 'The current policy', schema: CrisisPolicyResponse },
    handle: ({ params, user }) => crisis.policy({ user, brandId: params.id }),
  });
  mountOperation(target, {
    method: 'put',
    path: '/v1/brands/:id/crisis-policy',
    operationId: 'setCrisisPolicy',
    tag: 'crisis',
    summary: "Set the brand's crisis policy (a new version)",
    description:
      'Each PUT stores a new version (the previous + 1) and never changes an earlier one; a crisis records the ' +
      'version that detected it. What the body leaves out takes the default. The monitor reads the current ' +
      'version at every message.',
    access: 'configureCrisis',
    params: BrandIdParams,
    body: CrisisPolicyBody,
    errors: [404],
    success: { status: 200, description: 'The policy as stored, with its version', schema: CrisisPolicyResponse },
    handle: ({ params, body, user }) => crisis.setPolicy({ user, brandId: params.id, policy: body }),
  });
  mountOperation(target, {
    method: 'get',
    path: '/v1/brands/:id/crisis',
    operationId: 'getCrisis',
    tag: 'crisis',
    summary: "The brand's crisis state",
    description:
      'The open crisis (`active`, or `awaiting_confirmation` after an alert) and the latest ones with who ' +
      "declared, confirmed and ended them, why and when; with the monitor's live reading when it answers.",
    access: 'readCrisis',
    params: BrandIdParams,
    errors: [404],
    success: { status: 200, description: 'The crisis state', schema: CrisisStateResponse },
    handle: ({ params, user }) => crisis.state({ user, brandId: params.id }),
  });
  mountOperation(target, {
    method: 'post',
    path: '/v1/brands/:id/crisis/declare',
    operationId: 'declareCrisis',
    tag: 'crisis',
    summary: 'Declare a crisis by hand',
    description: `${DURING_A_CRISIS} Declaring while an alert awaits confirmation confirms it. 409 when a crisis is on.`,
    access: 'manageCrisis',
    params: BrandIdParams,
    body: CrisisReasonBody,
    errors: [404, 409],
    success: { status: 200, description: 'Declared; the posts are being held', schema: CrisisActionResponse },
    handle: ({ params, body, user }) => crisis.declare({ user, brandId: params.id, reason: body.reason }),
  });
  mountOperation(target, {
    method: 'post',
    path: '/v1/brands/:id/crisis/confirm',
    operationId: 'confirmCrisis',
    tag: 'crisis',
    summary: 'Confirm the crisis an alert detected',
    description: `${DURING_A_CRISIS} 409 unless an alert awaits confirmation.`,
    access: 'manageCrisis',
    params: BrandIdParams,
    body: ConfirmCrisisBody,
    errors: [404, 409],
    success: { status: 200, description: 'Declared; the posts are being held', schema: CrisisActionResponse },
    handle: ({ params, body, user }) =>
      crisis.confirm({ user, brandId: params.id, ...(body.reason !== undefined ? { reason: body.reason } : {}) }),
  });
  mountOperation(target, {
    method: 'post',
    path: '/v1/brands/:id/crisis/end',
    operationId: 'endCrisis',
    tag: 'crisis',
    summary: 'End the crisis (or dismiss an alert)',
    description:
      'Only a manager or admin, with a reason. The posts are released: one whose publish time passed during the ' +
      'crisis waits for a reschedule or publish-now (`passedPublishTime: "hold_for_review"`, the default) or ' +
      'publishes at once (`"publish"`), per the policy. 409 when no crisis is on.',
    access: 'manageCrisis',
    params: BrandIdParams,
    body: CrisisReasonBody,
    errors: [404, 409],
    success: { status: 200, description: 'Ended; the posts are being released', schema: CrisisActionResponse },
    handle: ({ params, body, user }) => crisis.end({ user, brandId: params.id, reason: body.reason }),
  });
}
