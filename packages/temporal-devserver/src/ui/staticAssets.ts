/**
 * The built Temporal UI, served from a directory: its files with their content types, hashed
 * assets cached for good, and every other page path answered with index.html so that the
 * single-page app routes it. Paths cannot leave the directory (`send` refuses `..`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import send from 'send';

const IMMUTABLE_PREFIX = '/_app/immutable/';

/** The UI's own page for a run's raw history ("View raw history"): it hands over to the API's download. */
const RAW_HISTORY_PAGE = /^\/namespaces\/[^/]+\/workflows\/[^/]+\/[^/]+\/history\.json$/;

const NOT_BUILT_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Temporal UI</title></head>
<body><h1>Temporal UI is not built</h1>
<p>The HTTP API answers under <code>/api/v1/</code>, but there are no UI assets to serve.
Build the UI package and restart to see workflows here.</p></body></html>
`;

function sendNotBuilt(req: IncomingMessage, res: ServerResponse, pathname: string): void {
  res.writeHead(pathname === '/' ? 200 : 404, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(NOT_BUILT_PAGE),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : NOT_BUILT_PAGE);
}

function sendText(res: ServerResponse, httpStatus: number, text: string): void {
  res.writeHead(httpStatus, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}

export function serveAsset(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  assetsDir: string | undefined,
): void {
  if (!assetsDir) {
    sendNotBuilt(req, res, pathname);
    return;
  }
  const immutable = pathname.startsWith(IMMUTABLE_PREFIX);
  const stream = send(req, pathname, {
    root: assetsDir,
    index: ['index.html'],
    dotfiles: 'deny',
    maxAge: immutable ? '1y' : 0,
    immutable,
  });
  stream.on('headers', (response: ServerResponse, path: string) => {
    if (path.endsWith('.html')) response.setHeader('Cache-Control', 'no-cache');
  });
  const sendIndex = (): void => {
    const fallback = send(req, '/index.html', { root: assetsDir, maxAge: 0 });
    fallback.on('headers', (response: ServerResponse) => response.setHeader('Cache-Control', 'no-cache'));
    fallback.on('error', (fallbackErr: { status?: number }) =>
      sendText(res, fallbackErr.status ?? 500, 'index.html is missing from the UI assets'),
    );
    fallback.pipe(res);
  };
  // A directory without its trailing slash is a page path too, not a redirect.
  stream.on('directory', sendIndex);
  stream.on('error', (err: { status?: number }) => {
    const httpStatus = err.status ?? 500;
    // A page path the app routes itself; a missing file (it has an extension) stays missing.
    const pagePath = (!extname(pathname) || RAW_HISTORY_PAGE.test(pathname)) && pathname !== '/index.html';
    if (httpStatus === 404 && pagePath) {
      sendIndex();
      return;
    }
    sendText(res, httpStatus, httpStatus === 403 ? 'Forbidden' : httpStatus === 404 ? 'Not found' : 'Error');
  });
  stream.pipe(res);
}
