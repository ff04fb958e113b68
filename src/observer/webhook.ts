// The observer's one outbound write: an alert as JSON POSTed to the operator's webhook URL, retried a few
// times, never holding anything else up.
import { setTimeout as sleep } from 'node:timers/promises';

export async function postWebhook(url: string, body: unknown, attempts = 3): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'turtle-observer' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // unreachable hook: try again after a pause
    }
    if (attempt < attempts) await sleep(1_000 * attempt);
  }
  return false;
}
