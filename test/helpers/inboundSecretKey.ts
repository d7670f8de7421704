import { randomBytes } from 'node:crypto';

/** The key the test apps encrypt inbound secrets with: one per test file, as a deployment has one. */
export const TEST_INBOUND_SECRET_KEY = randomBytes(32);
