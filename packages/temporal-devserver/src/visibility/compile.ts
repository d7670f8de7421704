import { resolveAttribute } from './attributes';
import { compileCondition } from './filter';
import { VisibilityQueryError, type CompiledQuery, type SearchAttributeType } from './model';
import { compileOrdering } from './ordering';
import { parseQuery } from './syntax';

/**
 * Compiles a ListWorkflowExecutions / CountWorkflowExecutions query once, so that it can be run
 * over every run of a namespace. Throws VisibilityQueryError for anything it cannot run.
 */
export function compileVisibilityQuery(
  query: string,
  customAttributes: Record<string, SearchAttributeType>,
): CompiledQuery {
  const parsed = parseQuery(query);
  const matches = parsed.where ? compileCondition(parsed.where, customAttributes) : () => true;

  const orderKeys = parsed.orderBy.map(({ attribute, descending }) => {
    const binding = resolveAttribute(attribute, customAttributes);
    if (binding.type === 'Text') {
      throw new VisibilityQueryError(
        `ORDER BY cannot sort by search attribute "${binding.name}" of type Text`,
        attribute.pos,
      );
    }
    return { binding, descending };
  });

  if (parsed.groupBy.length > 1) {
    throw new VisibilityQueryError('GROUP BY supports a single attribute', parsed.groupBy[1].pos);
  }
  const groupBy = parsed.groupBy.map((attribute) => {
    const binding = resolveAttribute(attribute, customAttributes);
    if (binding.name !== 'ExecutionStatus') {
      throw new VisibilityQueryError(
        `GROUP BY is supported only for ExecutionStatus, not "${binding.name}"`,
        attribute.pos,
      );
    }
    return binding.name;
  });

  return {
    matches,
    compare: compileOrdering(orderKeys),
    groupBy,
    groupValues: (record) => (groupBy.length > 0 ? [record.executionStatus] : []),
  };
}
