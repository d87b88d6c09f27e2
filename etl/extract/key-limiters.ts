/**
 * One rate limiter per API key per process: every FMP client created with the same key shares it, found by a
 * fingerprint of the key (never the key itself), and the last client to close closes it.
 */
import { createHash } from 'node:crypto';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';

/** A stable, non-reversible name for an API key (never the key itself). */
export function apiKeyFingerprint(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 12);
}

interface SharedLimiter {
  limiter: RateLimiter;
  users: number;
}

const limitersByKey = new Map<string, SharedLimiter>();

/**
 * The one limiter of an API key in this process, created on first use; every client with the same key shares it.
 * Call the returned `release` when the client closes: the last release closes the limiter.
 */
export function acquireKeyLimiter(
  apiKey: string,
  options: RateLimiterOptions,
): { limiter: RateLimiter; fingerprint: string; release: () => void } {
  const fingerprint = apiKeyFingerprint(apiKey);
  let shared = limitersByKey.get(fingerprint);
  if (!shared) {
    shared = { limiter: new RateLimiter(options), users: 0 };
    limitersByKey.set(fingerprint, shared);
  } else {
    const current = shared.limiter.stats();
    if (current.configuredLimitPerMin !== Math.floor(options.limitPerMin)) {
      options.log.warn(
        {
          keyFingerprint: fingerprint,
          inForcePerMin: current.limitPerMin,
          requestedPerMin: options.limitPerMin,
        },
        'fmp key already has a limiter in this process: sharing it with its existing limit',
      );
    }
  }
  shared.users += 1;
  const entry = shared;
  let released = false;
  return {
    limiter: entry.limiter,
    fingerprint,
    release: () => {
      if (released) return;
      released = true;
      entry.users -= 1;
      if (entry.users === 0 && limitersByKey.get(fingerprint) === entry) {
        limitersByKey.delete(fingerprint);
        entry.limiter.close();
      }
    },
  };
}
