// Reads a whole HTTP response for a test: its status, its text, and the text parsed as JSON where it is JSON.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface Reply {
  status: number;
  body: unknown;
  text: string;
  headers: IncomingHttpHeaders;
}

export function readReply(res: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON (an empty 204, plain text): keep the text
      }
      resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
    });
    res.on('error', reject);
  });
}
