/**
 * Request and response shapes of the HTTP API, one module per resource. The same zod schemas
 * validate requests and generate the OpenAPI document, so the documentation cannot drift from
 * what is enforced.
 */
export * from './common';
export * from './errors';
export * from './postState';
export * from './posts';
export * from './reviewQueue';
export * from './calendar';
export * from './brands';
export * from './admin';
export * from './health';
export * from './threadSettings';
export * from './reports';
export * from './crisis';
export * from './campaigns';
export * from './accounts';
