import type { Account } from '../../db/accounts';
import type { SigningSecret } from '../../db/inboundSecrets';
import { createSigningKeys, SIGNING_KEYS_TTL_MS } from '../../api/services/signingKeys';

const account: Account = {
  id: 'demo-x',
  brandId: 'demo',
  platform: 'x',
  handle: '@demo',
  connector: 'sandbox',
  status: 'active',
  createdAt: '2026-12-01T00:00:00.000Z',
};

function harness(secrets: SigningSecret[] = [{ secret: 's1', validUntil: null }]) {
  let now = Date.parse('2026-12-02T10:00:00.000Z');
  const reads = { accounts: 0, secrets: 0 };
  const state = { secrets, account: account as Account | undefined, fail: false };
  const keys = createSigningKeys({
    accounts: {
      findById: (id) => {
        reads.accounts += 1;
        if (state.fail) return Promise.reject(new Error('connect ECONNREFUSED'));
        return Promise.resolve(state.account && id === state.account.id ? state.account : undefined);
      },
    },
    secrets: {
      validSecrets: () => {
        reads.secrets += 1;
        return Promise.resolve(state.secrets);
      },
    },
    now: () => now,
  });
  return { keys, reads, state, advance: (ms: number) => (now += ms), at: () => now };
}

describe("an account's signing keys, kept for a few seconds", () => {
  it('reads Postgres once for the deliveries of a few seconds, and again after', async () => {
    const { keys, reads, advance } = harness();
    expect((await keys.lookup('demo-x')).keys).toEqual({ account, secrets: ['s1'] });
    advance(SIGNING_KEYS_TTL_MS - 1);
    expect(await keys.lookup('demo-x')).toEqual({ keys: { account, secrets: ['s1'] }, cached: true });
    expect(reads).toEqual({ accounts: 1, secrets: 1 });
    advance(1);
    expect(await keys.lookup('demo-x')).toMatchObject({ cached: false });
    expect(reads).toEqual({ accounts: 2, secrets: 2 });
  });

  it('keeps no secret past the end of its grace period', async () => {
    const { keys, reads, state, at, advance } = harness();
    state.secrets = [
      { secret: 's2', validUntil: null },
      { secret: 's1', validUntil: new Date(at() + 1000).toISOString() },
    ];
    await keys.lookup('demo-x');
    advance(999);
    expect((await keys.lookup('demo-x')).cached).toBe(true);
    advance(1);
    state.secrets = [{ secret: 's2', validUntil: null }];
    expect(await keys.lookup('demo-x')).toEqual({ keys: { account, secrets: ['s2'] }, cached: false });
    expect(reads.secrets).toBe(2);
  });

  it('shares one read between deliveries that arrive together', async () => {
    const { keys, reads } = harness();
    const answers = await Promise.all([keys.lookup('demo-x'), keys.lookup('demo-x'), keys.lookup('demo-x')]);
    expect(answers.map((answer) => answer.keys?.secrets)).toEqual([['s1'], ['s1'], ['s1']]);
    expect(answers.map((answer) => answer.cached)).toEqual([false, false, false]);
    expect(reads).toEqual({ accounts: 1, secrets: 1 });
  });

  it('reads again when asked for fresh keys, and keeps the fresh ones', async () => {
    const { keys, reads, state } = harness();
    await keys.lookup('demo-x');
    state.secrets = [{ secret: 's2', validUntil: null }];
    expect((await keys.lookup('demo-x', { fresh: true })).keys?.secrets).toEqual(['s2']);
    expect(await keys.lookup('demo-x')).toEqual({ keys: { account, secrets: ['s2'] }, cached: true });
    expect(reads.secrets).toBe(2);
  });

  it('keeps neither an unknown account nor a failed read', async () => {
    const { keys, reads, state } = harness();
    expect(await keys.lookup('nobody')).toEqual({ keys: undefined, cached: false });
    expect(await keys.lookup('nobody')).toEqual({ keys: undefined, cached: false });
    expect(reads.accounts).toBe(2);

    state.fail = true;
    await expect(keys.lookup('demo-x')).rejects.toThrow('ECONNREFUSED');
    state.fail = false;
    expect((await keys.lookup('demo-x')).keys?.secrets).toEqual(['s1']);
  });
});
