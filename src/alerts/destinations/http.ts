import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AppError } from '../../errors.ts';

// Keep-alive agents shared by every HTTP destination: node:http costs a fraction of fetch's CPU
// per small POST (bench:deliver), which matters when a backlog drains on a busy machine.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

/**
 * POST for HTTP destinations. A non-2xx answer is an error to retry; its message carries the
 * status and the start of the body, never the URL (Slack and some webhook URLs embed a token).
 * `signal` (AbortSignal.timeout from the dispatcher) bounds the whole exchange.
 */
export function post(destination: string, url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  const payload = Buffer.from(body, 'utf8');
  return new Promise<void>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      agent: https ? httpsAgent : httpAgent,
      headers: { 'content-type': 'application/json', 'content-length': String(payload.byteLength), ...headers },
      signal,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        // Keep only the start of the answer, for the error message.
        if (size < 200) chunks.push(c);
        size += c.byteLength;
      });
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve();
        const text = Buffer.concat(chunks).toString('utf8').slice(0, 200);
        reject(new AppError('DELIVERY_FAILED', `${destination}: HTTP ${status}${text ? ` ${text}` : ''}`, { destination, status }, true));
      });
    });
    req.on('error', (err) => {
      const why = signal.aborted ? `timed out or aborted (${err.message})` : err.message;
      reject(new AppError('DELIVERY_FAILED', `${destination}: ${why}`, { destination }, true, { cause: err }));
    });
    req.end(payload);
  });
}
