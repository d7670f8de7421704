/**
 * Requests so malformed that Node's HTTP parser refuses them never reach the app; the server
 * still answers them with the API's JSON error body, and closes the connection.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import pino from 'pino';
import { listenApi, type RunningApiServer } from '../../api/main';
import { createTestKnex } from '../helpers/db';
import { TEST_INBOUND_SECRET_KEY } from '../helpers/inboundSecretKey';
import { unreachableTemporal } from './http';

let db: Knex;
let api: RunningApiServer;
let closeTemporal: () => Promise<void>;

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  closeTemporal = temporal.close;
  api = await listenApi({
    config: {
      host: '127.0.0.1',
      port: 0,
      temporalTaskQueue: 'api-client-error',
      publicBaseUrl: 'http://127.0.0.1',
      apiRateLimitPerMinute: 0,
      inboundSecretKey: TEST_INBOUND_SECRET_KEY,
    },
    db,
    temporal: temporal.client,
    logger: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  await api?.close();
  await closeTemporal?.();
  await db?.destroy();
});

/** Sends raw bytes and reads everything the server writes until it closes the connection. */
function sendRaw(request: string): Promise<string> {
  const { port } = api.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer; received so far: ${received}`)));
  });
}

function parse(raw: string): { status: number; headers: string; body: unknown } {
  const [head, body] = raw.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body: JSON.parse(body) };
}

it('answers a request line that is not HTTP with a JSON 400 and closes the connection', async () => {
  const answer = parse(await sendRaw('THIS IS NOT HTTP\r\n\r\n'));
  expect(answer.status).toBe(400);
  expect(answer.headers).toMatch(/content-type: application\/json/i);
  expect(answer.headers).toMatch(/connection: close/i);
  expect(answer.body).toEqual({
    error: 'invalid_input',
    message: 'The request is not valid HTTP',
    requestId: expect.any(String),
  });
});

it('answers a malformed header with a JSON 400', async () => {
  const answer = parse(await sendRaw('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ error: 'invalid_input' });
});

it('answers headers larger than the server accepts with a JSON 431', async () => {
  const answer = parse(await sendRaw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`));
  expect(answer.status).toBe(431);
  expect(answer.body).toEqual({
    error: 'headers_too_large',
    message: 'The request headers are larger than the server accepts',
    requestId: expect.any(String),
  });
});

it('still serves well-formed requests', async () => {
  const raw = await sendRaw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  expect(raw).toMatch(/^HTTP\/1\.1 200/);
});
