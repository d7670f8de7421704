/** KPI definitions: pure functions over facts read from the report projections. */
export * from './statistics';
export * from './periods';
export * from './responses';
export * from './content';
export * from './publishing';
export * from './performance';
export * from './schedule';
export * from './histogram';
export * from './rollupCells';
