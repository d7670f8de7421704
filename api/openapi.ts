/**
 * The OpenAPI 3.1 document, generated from the operations' zod schemas, and a plain HTML
 * rendering of it for /docs that needs nothing from the network.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
} from 'openapi3-ts/oas31';
import { mountOperation, type OperationTarget } from './operations';
import { z } from './schemas';

export const API_TITLE = 'socialops API';
export const API_VERSION = '1.0.0';

export function createOpenApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: "An API key issued to a user; the user's roles decide what the key may do.",
  });
  return registry;
}

export function generateOpenApiDocument({
  registry,
  serverUrl,
}: {
  registry: OpenAPIRegistry;
  serverUrl?: string;
}): OpenAPIObject {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description:
        "Runs a brand's social media operation: posts go from idea through the review stages their risk " +
        'demands to publishing and performance tracking, each as a durable workflow. Authenticate with ' +
        '`Authorization: Bearer <API key>`. Errors share one body: `error` (a code), `message`, `requestId`, ' +
        'and for invalid input the zod `issues`.\n\nRoles: admin and manager run the operation (create, act on ' +
        'any post, pause brands); author creates posts and revises their own; designer, copy_editor, legal and ' +
        'final_approver decide their review stage; agent (community agents, who work on conversations) and ' +
        'viewer read posts only.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
}

/** Mounts GET /openapi.json and GET /docs; call after every other operation is mounted. */
export function mountDocumentationRoutes(target: OperationTarget, { serverUrl }: { serverUrl?: string } = {}): void {
  let document: OpenAPIObject | undefined;
  let page: string | undefined;
  // Generated on first use, when every route (these two included) is registered.
  const currentDocument = () => (document ??= generateOpenApiDocument({ registry: target.registry, serverUrl }));

  mountOperation(target, {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: 'documentation',
    summary: 'This OpenAPI document',
    access: 'public',
    success: {
      status: 200,
      description: 'OpenAPI 3.1 document',
      schema: z.record(z.string(), z.unknown()).openapi({ description: 'OpenAPI 3.1 document' }),
    },
    handle: () => currentDocument(),
  });

  mountOperation(target, {
    method: 'get',
    path: '/docs',
    operationId: 'getDocumentationPage',
    tag: 'documentation',
    summary: 'Human-readable API reference',
    access: 'public',
    success: { status: 200, description: 'HTML page', schema: z.string(), contentType: 'text/html' },
    handle: () => (page ??= renderDocsPage(currentDocument())),
  });
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function isReference(value: unknown): value is ReferenceObject {
  return typeof value === 'object' && value !== null && '$ref' in value;
}

function schemaLabel(schema: unknown): string {
  if (isReference(schema)) return schema.$ref.replace('#/components/schemas/', '');
  if (typeof schema !== 'object' || schema === null) return '';
  const { type, enum: values } = schema as { type?: unknown; enum?: unknown };
  if (Array.isArray(values)) return values.map(String).join(' | ');
  return typeof type === 'string' ? type : Array.isArray(type) ? type.join(' | ') : '';
}

function renderOperation(path: string, method: string, operation: OperationObject): string {
  const parameters = (operation.parameters ?? []).filter((p): p is ParameterObject => !isReference(p));
  const parameterRows = parameters
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? 'yes' : ''}</td>` +
        `<td>${escapeHtml(schemaLabel(p.schema))}</td><td>${escapeHtml(p.description ?? '')}</td></tr>`,
    )
    .join('');
  const body = operation.requestBody && !isReference(operation.requestBody) ? operation.requestBody : undefined;
  const bodySchema = body?.content?.['application/json']?.schema;
  const responses = Object.entries(operation.responses ?? {})
    .map(([status, response]) => {
      const described = response as ResponseObject | ReferenceObject;
      const description = isReference(described) ? described.$ref : described.description;
      const schema = isReference(described) ? undefined : Object.values(described.content ?? {})[0]?.schema;
      return `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(description)}${schema ? ` <code>${escapeHtml(schemaLabel(schema))}</code>` : ''}</li>`;
    })
    .join('');
  return [
    `<section class="operation" id="${escapeHtml(operation.operationId ?? `${method}-${path}`)}">`,
    `<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>`,
    `<p class="summary">${escapeHtml(operation.summary ?? '')}</p>`,
    operation.description ? `<p>${escapeHtml(operation.description).replace(/\n\n/g, '</p><p>')}</p>` : '',
    parameterRows
      ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th>meaning</th></tr></thead><tbody>${parameterRows}</tbody></table>`
      : '',
    bodySchema
      ? `<p>Request body: <a href="#schema-${escapeHtml(schemaLabel(bodySchema))}"><code>${escapeHtml(schemaLabel(bodySchema))}</code></a></p>`
      : '',
    `<ul class="responses">${responses}</ul>`,
    '</section>',
  ].join('\n');
}

/** A static reference page: every operation by tag, then every schema as JSON. */
export function renderDocsPage(document: OpenAPIObject): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, OperationObject | undefined>)[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(path, method, operation)]);
    }
  }
  const sections = [...byTag.entries()]
    .map(([tag, operations]) => `<h2>${escapeHtml(tag)}</h2>\n${operations.join('\n')}`)
    .join('\n');
  const schemas = Object.entries(document.components?.schemas ?? {})
    .map(
      ([name, schema]) =>
        `<details id="schema-${escapeHtml(name)}"><summary><code>${escapeHtml(name)}</code></summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(document.info.title)} ${escapeHtml(document.info.version)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
.operation { border-top: 1px solid #ddd; padding: .5rem 0; }
.method { display: inline-block; min-width: 3.5rem; padding: 0 .3rem; border-radius: 3px; color: #fff; font-size: .8rem; text-align: center; }
.method.get { background: #2f6f9f; } .method.post { background: #3c8d40; }
.method.put { background: #9a6a1f; } .method.delete { background: #a33a3a; }
table { border-collapse: collapse; font-size: .9rem; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .8rem; }
</style>
</head>
<body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description ?? '').replace(/\n\n/g, '</p><p>')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(document.openapi)}).</p>
${sections}
<h2>Schemas</h2>
${schemas}
</body>
</html>
`;
}
