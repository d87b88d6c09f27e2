import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as received (still gzip-compressed when the server compressed it). */
  body: Buffer;
  text: string;
}

/**
 * A bare GET over node:http for tests that need what the wire carried: raw headers, compressed bytes, resets and
 * bodies cut short (it rejects when the connection closes before the body ends).
 */
export function httpGet(
  url: string,
  options: { headers?: http.OutgoingHttpHeaders; agent?: http.Agent | false } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted before its end')));
      res.on('end', () => {
        if (!res.complete) return reject(new Error('response ended incomplete'));
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    req.on('error', reject);
  });
}
