/** A webhook receiver on a free local port, for tests of notification delivery. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const WEBHOOK_SECRET = 'webhook-secret-for-tests';

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  notificationId: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * `answer` decides each request's status; it may hold a request by returning a promise that
 * settles later (a receiver that hangs).
 */
export async function startWebhookReceiver(
  answer: (request: ReceivedRequest, index: number) => number | Promise<number>,
): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: ReceivedRequest = {
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        notificationId: String(request.headers['x-socialops-notification-id'] ?? ''),
      };
      received.push(entry);
      void Promise.resolve(answer(entry, received.length - 1)).then((status) => {
        response.statusCode = status;
        response.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/socialops`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A receiver that answers with the statuses it is given, in turn, repeating the last. */
export function startReceiverAnswering(statuses: number[]): Promise<WebhookReceiver> {
  return startWebhookReceiver((_request, index) => statuses[Math.min(index, statuses.length - 1)]);
}
