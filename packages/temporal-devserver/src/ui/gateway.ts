/**
 * Temporal UI's HTTP API over the in-memory services, as the ui-server's grpc-gateway offers it:
 * every `/api/v1` route of WorkflowService and OperatorService, plus `settings` and the
 * `history.json` download; every other GET is the UI itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status } from '@grpc/grpc-js';
import { unimplemented } from '../errors';
import type { CallContext } from '../grpcServer';
import type { Msg } from '../protos';
import { fullHistoryJson } from './historyDownload';
import { httpCallContext } from './httpCall';
import { GatewayError, sendError, sendJson } from './httpErrors';
import { messageFromJson, messageToJson, setFieldPath, type JsonObject } from './protoJson';
import { RouteTable, type HttpRoute, type RouteMatch, type ServiceName } from './routes';
import { uiSettings, type UiSettingsOverrides } from './settings';
import { serveAsset } from './staticAssets';
import { protoType } from '../protos';

type Rpc = (request: Msg, context: CallContext) => Promise<Msg> | Msg;

export interface UiHttpHandlerOptions {
  /** The WorkflowService implementation (methods named after its RPCs in lowerCamel case). */
  service: object;
  operator?: object;
  /** A directory with the built UI (index.html and its assets); without it only the API answers. */
  assetsDir?: string;
  settings?: UiSettingsOverrides;
  /** Largest request body accepted, in bytes (4 MiB by default). */
  maxBodyBytes?: number;
}

export type UiHttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

const API_PREFIX = '/api/v1';
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function pathParts(pathname: string): string[] {
  const parts = pathname.slice(1).split('/');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    throw new GatewayError(400, status.INVALID_ARGUMENT, `malformed percent-encoding in path ${pathname}`);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    throw new GatewayError(413, status.INVALID_ARGUMENT, `request body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new GatewayError(413, status.INVALID_ARGUMENT, `request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonBody(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new GatewayError(400, status.INVALID_ARGUMENT, `malformed JSON body: ${(err as Error).message}`);
  }
}

/** The request message of a route, from its body, path variables and query parameters. */
async function requestJson(req: IncomingMessage, url: URL, match: RouteMatch, limit: number): Promise<JsonObject> {
  const { route, variables } = match;
  const type = protoType(route.requestType);
  let json: JsonObject = {};
  if (route.body) {
    const body = parseJsonBody(await readBody(req, limit));
    if (route.body === '*') {
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new GatewayError(400, status.INVALID_ARGUMENT, 'the request body must be a JSON object');
      json = body as JsonObject;
    } else json = { [route.body]: body };
  }
  if (route.body !== '*') {
    for (const [key, value] of url.searchParams) {
      if (variables.some(([path]) => path === key)) continue;
      try {
        setFieldPath(type, json, key, value);
      } catch (err) {
        // Parameters that name no field (a cache buster, say) are ignored, as grpc-gateway does.
        if (!(err instanceof Error) || !err.message.startsWith('unknown field')) throw err;
      }
    }
  }
  for (const [path, value] of variables) setFieldPath(type, json, path, value);
  return json;
}

export function createUiHttpHandler(options: UiHttpHandlerOptions): UiHttpHandler {
  const implementations: Record<ServiceName, object | undefined> = {
    'temporal.api.workflowservice.v1.WorkflowService': options.service,
    'temporal.api.operatorservice.v1.OperatorService': options.operator,
  };
  const rpcOf = (service: ServiceName, method: string): Rpc | undefined => {
    const impl = implementations[service] as Record<string, unknown> | undefined;
    const fn = impl?.[lowerCamel(method)];
    return typeof fn === 'function' ? (fn as Rpc).bind(impl) : undefined;
  };
  const routes = new RouteTable();
  const settings = uiSettings(
    (method) => rpcOf('temporal.api.workflowservice.v1.WorkflowService', method) !== undefined,
    options.settings,
  );
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const callRoute = async (req: IncomingMessage, res: ServerResponse, url: URL, match: RouteMatch): Promise<void> => {
    const route: HttpRoute = match.route;
    const rpc = rpcOf(route.service, route.method);
    if (!rpc) throw unimplemented(`${route.service}/${route.method} is not implemented by this server`);
    const request = messageFromJson(route.requestType, await requestJson(req, url, match, limit));
    const context = httpCallContext(res);
    const response = await rpc(request, context);
    if (context.isCancelled()) return;
    sendJson(res, 200, messageToJson(route.responseType, response ?? {}));
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const parts = pathParts(url.pathname);
    const method = req.method ?? 'GET';
    if (method === 'GET' && parts.length === 3 && parts[2] === 'settings') {
      sendJson(res, 200, settings);
      return;
    }
    // api/v1/namespaces/{ns}/workflows/{id}/run/{runId}/history.json
    if (method === 'GET' && parts.length === 9 && parts[2] === 'namespaces' && parts[8] === 'history.json') {
      if (parts[4] === 'workflows' && parts[6] === 'run') {
        const getHistory = rpcOf('temporal.api.workflowservice.v1.WorkflowService', 'GetWorkflowExecutionHistory');
        if (!getHistory) throw unimplemented('GetWorkflowExecutionHistory is not implemented by this server');
        const context = httpCallContext(res);
        const history = await fullHistoryJson(
          { getWorkflowExecutionHistory: getHistory },
          { namespace: parts[3], workflowId: parts[5], runId: parts[7] },
          context,
        );
        if (!context.isCancelled()) sendJson(res, 200, history);
        return;
      }
    }
    const match = routes.match(method, parts);
    if (match === 'method-not-allowed')
      throw new GatewayError(405, status.UNIMPLEMENTED, `${method} is not allowed on ${url.pathname}`);
    if (!match) throw new GatewayError(404, status.NOT_FOUND, `no API route for ${method} ${url.pathname}`);
    await callRoute(req, res, url, match);
  };

  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendError(res, new GatewayError(400, status.INVALID_ARGUMENT, 'malformed request URL'));
      return;
    }
    if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
      handleApi(req, res, url).catch((err: unknown) => sendError(res, err));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, new GatewayError(405, status.UNIMPLEMENTED, `${req.method} is not allowed on ${url.pathname}`));
      return;
    }
    serveAsset(req, res, url.pathname, options.assetsDir);
  };
}
