export * from './policy';
export * from './detection';
export * from './signal';
