/**
 * The API documents a post's state with a zod schema written by hand, while the workflow's query
 * returns the `PostState` type. These checks fail to compile (and so fail lint and this test)
 * as soon as the two drift apart: a field added to one and not the other, or an optional field
 * documented as required.
 */
import type { z } from 'zod';
import { PostStateSchema } from '../../api/schemas';
import type { PostState } from '../../domain/postState';
import { postState } from '../activities/postStateFixture';

/** The field names of a value at every depth, with their optionality; leaves collapse to `true`. */
type Shape<T> = T extends readonly (infer Item)[]
  ? Shape<Item>[]
  : T extends object
    ? { [K in keyof T]: Shape<NonNullable<T[K]>> }
    : true;
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type Documented = z.input<typeof PostStateSchema>;

const sameFields: Equal<Shape<PostState>, Shape<Documented>> = true;
/** Every state the workflow can hold passes the documented schema. */
const acceptsEveryState = (state: PostState): Documented => state;

describe('the PostState response schema', () => {
  it('names exactly the fields of the PostState type, with the same optionality', () => {
    expect(sameFields).toBe(true);
  });

  it("accepts a post's state as the workflow returns it", () => {
    const state = postState({
      postId: 'post-1',
      brandId: 'brand-1',
      decisions: [
        { stage: 'copy_edit', revision: 1, decision: 'forced_approve', by: 'system', at: '2026-09-01T10:00:00.000Z' },
      ],
      variants: [{ accountId: 'account-1', platform: 'x', status: 'published', attempts: 1 }],
    });
    expect(PostStateSchema.safeParse(acceptsEveryState(state)).success).toBe(true);
  });
});
