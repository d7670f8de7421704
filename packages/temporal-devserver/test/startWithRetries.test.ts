/**
 * Test environments start again when the server missed the SDK's fixed start-up limit, and only
 * then.
 */
import { startWithRetries } from '../src/testing';

const missedLimit = () =>
  new Error('ephemeral server at 127.0.0.1:40123 did not start within 5s. Make sure another download is not stuck');

test('a start that missed the limit is tried again, up to three times in all', async () => {
  let calls = 0;
  const started = await startWithRetries(async () => {
    if (++calls < 3) throw missedLimit();
    return 'environment';
  });
  expect(started).toBe('environment');
  expect(calls).toBe(3);

  calls = 0;
  await expect(
    startWithRetries(async () => {
      calls++;
      throw missedLimit();
    }),
  ).rejects.toThrow('did not start within');
  expect(calls).toBe(3);
});

test('any other failure is thrown at once', async () => {
  let calls = 0;
  await expect(
    startWithRetries(async () => {
      calls++;
      throw new Error('ephemeral server executable does not exist: /nowhere');
    }),
  ).rejects.toThrow('does not exist');
  expect(calls).toBe(1);
});
