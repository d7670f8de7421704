/**
 * The HTTP routes of WorkflowService and OperatorService, read from their `google.api.http`
 * annotations: the `/api/v1/...` bindings that Temporal UI calls, each a path template whose
 * variables (`{namespace}`, `{execution.workflow_id}`, `{name=namespaces/*}`) name request fields.
 */
import type { Method } from 'protobufjs';
import { root } from '../protos';

export const SERVICES = [
  'temporal.api.workflowservice.v1.WorkflowService',
  'temporal.api.operatorservice.v1.OperatorService',
] as const;

export type ServiceName = (typeof SERVICES)[number];

type Segment = { literal: string } | { variable: string; pattern: string[] };

export interface HttpRoute {
  service: ServiceName;
  /** The RPC's name, e.g. `GetWorkflowExecutionHistory`. */
  method: string;
  requestType: string;
  responseType: string;
  httpMethod: string;
  template: string;
  /** `*` for the whole request, a field name, or undefined when there is no body. */
  body?: string;
  segments: Segment[];
}

export interface RouteMatch {
  route: HttpRoute;
  /** Field path → text, from the path's variables. */
  variables: Array<[string, string]>;
}

interface HttpRule {
  get?: string;
  post?: string;
  put?: string;
  patch?: string;
  delete?: string;
  body?: string;
  additional_bindings?: HttpRule | HttpRule[];
}

const VERBS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const API_PREFIX = '/api/v1/';

function bindings(rule: HttpRule): HttpRule[] {
  const more = rule.additional_bindings;
  return [rule, ...(Array.isArray(more) ? more : more ? [more] : [])];
}

function parseTemplate(template: string): Segment[] {
  const segments: Segment[] = [];
  // Split on slashes outside braces: `{name=namespaces/*}` is one segment of the template.
  for (const part of template.slice(1).match(/(\{[^}]*\}|[^/{]+)+/g) ?? []) {
    const variable = /^\{([^=}]+)(?:=([^}]*))?\}$/.exec(part);
    if (variable) segments.push({ variable: variable[1], pattern: (variable[2] ?? '*').split('/') });
    else segments.push({ literal: part });
  }
  return segments;
}

function httpRule(method: Method): HttpRule | undefined {
  for (const option of method.parsedOptions ?? []) {
    const rule = (option as Record<string, unknown>)['(google.api.http)'];
    if (rule) return rule;
  }
  return undefined;
}

/** Every `/api/v1` route the two services declare. */
export function apiRoutes(): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const serviceName of SERVICES) {
    const service = root.lookupService(serviceName);
    service.resolveAll();
    for (const method of service.methodsArray) {
      const rule = httpRule(method);
      if (!rule) continue;
      for (const binding of bindings(rule)) {
        for (const verb of VERBS) {
          const template = binding[verb];
          if (!template?.startsWith(API_PREFIX)) continue;
          routes.push({
            service: serviceName,
            method: method.name,
            requestType: method.resolvedRequestType!.fullName.slice(1),
            responseType: method.resolvedResponseType!.fullName.slice(1),
            httpMethod: verb.toUpperCase(),
            template,
            body: binding.body || undefined,
            segments: parseTemplate(template),
          });
        }
      }
    }
  }
  return routes;
}

function matchSegments(segments: Segment[], parts: string[]): Array<[string, string]> | undefined {
  const variables: Array<[string, string]> = [];
  let at = 0;
  for (const [index, segment] of segments.entries()) {
    if ('literal' in segment) {
      if (parts[at] !== segment.literal) return undefined;
      at++;
      continue;
    }
    const taken: string[] = [];
    for (const piece of segment.pattern) {
      if (piece === '**') {
        // Matches the rest, leaving room for the literal segments after it.
        const rest = segments.length - index - 1;
        const end = parts.length - rest;
        if (end <= at) return undefined;
        taken.push(...parts.slice(at, end));
        at = end;
      } else if (at >= parts.length || (piece !== '*' && parts[at] !== piece)) return undefined;
      else taken.push(parts[at++]);
    }
    variables.push([segment.variable, taken.join('/')]);
  }
  return at === parts.length ? variables : undefined;
}

export class RouteTable {
  private readonly routes: HttpRoute[];

  constructor(routes: HttpRoute[] = apiRoutes()) {
    // The most literal template wins where two could match (as `workflow-count` over `{id}`).
    const literals = (route: HttpRoute): number => route.segments.filter((s) => 'literal' in s).length;
    this.routes = [...routes].sort((a, b) => literals(b) - literals(a));
  }

  /**
   * The route for a request, 'method-not-allowed' when a route has the path but not the method,
   * or undefined. `parts` are the path's segments, already percent-decoded one by one.
   */
  match(httpMethod: string, parts: string[]): RouteMatch | 'method-not-allowed' | undefined {
    let pathKnown = false;
    for (const route of this.routes) {
      const variables = matchSegments(route.segments, parts);
      if (!variables) continue;
      if (route.httpMethod === httpMethod) return { route, variables };
      pathKnown = true;
    }
    return pathKnown ? 'method-not-allowed' : undefined;
  }
}
