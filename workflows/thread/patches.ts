/**
 * Changes to the conversation workflow's decisions, guarded with `patched()` so that runs started
 * by earlier code replay unchanged (see test/histories/).
 */

/**
 * Each inbound message reads the brand's settings (business hours, SLA policy, triage rules)
 * together with its sentiment, in one local activity. Before, sentiment was scored alone and every
 * conversation ran on the defaults.
 */
export const BRAND_THREAD_SETTINGS = 'brand-thread-settings';
