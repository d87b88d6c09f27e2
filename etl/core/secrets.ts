/**
 * Secrets (the FMP key, member tokens) must never reach a log line, an error message or a file.
 * Every secret the process learns is registered here; `scrubSecrets` is applied to every log line and to every
 * error message the CLI prints.
 */

const secrets = new Set<string>();

/** Registers a secret so that it is scrubbed from logs and printed errors. Short values are ignored. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 4) secrets.add(secret);
}

// why: FMP (and our own URLs) carry the key as a query parameter; scrub the parameter whatever its value,
// so that even an unregistered key in a URL is hidden.
const API_KEY_PARAM = /([?&](?:apikey|api_key|token)=)[^&\s"'#]*/gi;

export function scrubSecrets(text: string): string {
  let out = text.replace(API_KEY_PARAM, '$1***');
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}
