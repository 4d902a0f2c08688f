import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The parts of a notification (the JSON format) that the printed line shows. */
interface CircuitNotification {
  circuit: string;
  from: string;
  to: string;
  reason: string;
  skipped: number;
}

/** One short line per message: `inventory: closed → open (failure_rate)`. */
export function describeNotification({
  circuit,
  from,
  to,
  reason,
  skipped,
}: CircuitNotification): string {
  const folded =
    skipped > 0 ? `, ${skipped} earlier change${skipped === 1 ? '' : 's'} folded in` : '';
  return `${circuit}: ${from} → ${to} (${reason}${folded})`;
}

/**
 * The webhook the sample app notifies of its circuits' state changes (`notifications` in
 * app.module.ts), printing what it receives. A real app points `notifications.webhooks` at
 * Slack, a chat tool or an alerting system instead.
 */
export async function startWebhookPrinter(
  port: number,
  print: (line: string) => void = (line) => console.log(`  [webhook] ${line}`),
): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      try {
        print(describeNotification(JSON.parse(body) as CircuitNotification));
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
