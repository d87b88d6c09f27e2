import crypto from 'node:crypto';

/** How a token is kept at rest: a salted scrypt hash, never the token. */
export interface TokenHash {
  /** Random salt, base64. */
  salt: string;
  /** scrypt(token, salt), base64. */
  hash: string;
  /** scrypt cost parameters used for this hash (kept so they can be raised later without breaking old hashes). */
  n: number;
  r: number;
  p: number;
}

const KEY_BYTES = 32;
const DEFAULT_COST = { n: 16_384, r: 8, p: 1 } as const;
const TOKEN_PREFIX = 'mqs';
const TOKEN_SHAPE = /^mqs_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

function scrypt(token: string, salt: Buffer, cost: { n: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(
      token,
      salt,
      KEY_BYTES,
      { N: cost.n, r: cost.r, p: cost.p, maxmem: 64 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** A fresh member id: 8 lowercase letters and digits. */
export function generateMemberId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(8);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * A fresh token for a member: `mqs_<memberId>_<256 random bits, base64url>`.
 * why: the id in front lets a check hash against one member's salt instead of trying every member's.
 */
export function generateToken(memberId: string): string {
  return `${TOKEN_PREFIX}_${memberId}_${crypto.randomBytes(32).toString('base64url')}`;
}

/** The member id a token claims, or undefined when the text is not shaped like a token. */
export function memberIdOfToken(token: string): string | undefined {
  return TOKEN_SHAPE.exec(token)?.[1];
}

export async function hashToken(token: string): Promise<TokenHash> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(token, salt, DEFAULT_COST);
  return { salt: salt.toString('base64'), hash: key.toString('base64'), ...DEFAULT_COST };
}

/** True when `token` hashes to `stored`; the comparison takes the same time wherever the bytes differ. */
export async function tokenMatches(token: string, stored: TokenHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await scrypt(token, Buffer.from(stored.salt, 'base64'), stored);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

/** Spends the time of one check on nothing, so that an unknown member id answers as slowly as a wrong token. */
export async function burnTokenCheck(token: string): Promise<void> {
  await scrypt(token, Buffer.alloc(16), DEFAULT_COST);
}
