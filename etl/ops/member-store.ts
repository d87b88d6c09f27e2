import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import { CliError, UsageError } from '../core/errors.ts';
import { registerSecret } from '../core/secrets.ts';
import { acquireWriterLock } from '../core/writer-lock.ts';
import {
  burnTokenCheck,
  generateMemberId,
  generateToken,
  hashToken,
  memberIdOfToken,
  type TokenHash,
  tokenMatches,
} from './member-token.ts';

/** Roles from least to most privileged; each role may do everything the roles before it may. */
export const ROLES = ['viewer', 'analyst', 'trader', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function parseRole(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text))
    throw new UsageError(`unknown role ${JSON.stringify(text)}: use one of ${ROLES.join(', ')}`);
  return text as Role;
}

/** A member as stored in `WAREHOUSE_DIR/members.json`. The token itself is never stored. */
export interface Member {
  id: string;
  name: string;
  role: Role;
  /** ISO 8601 UTC. */
  createdAt: string;
  createdBy: string;
  /** ISO 8601 UTC of the last token rotation. */
  rotatedAt?: string;
  rotatedBy?: string;
  /** ISO 8601 UTC; a revoked member's token is refused. */
  revokedAt?: string;
  revokedBy?: string;
  token: TokenHash;
}

interface MemberFile {
  version: 1;
  members: Member[];
}

/** A member as shown to people: no hash, no salt. */
export type MemberSummary = Omit<Member, 'token'>;

export const MEMBERS_FILE = 'members.json';
const MEMBER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

export function membersFilePath(warehouseDir: string): string {
  return path.join(warehouseDir, MEMBERS_FILE);
}

export function summarize(member: Member): MemberSummary {
  const { token: _token, ...rest } = member;
  return rest;
}

/** The member store: `WAREHOUSE_DIR/members.json`, changed under the `members` writer lock, written atomically. */
export interface MemberStore {
  /** Every member ever added, revoked ones included, in the order they were added. */
  list(): Member[];
  /** True once any member was ever added: the warehouse is claimed and every command needs a token. */
  isClaimed(): boolean;
  /** The active member the token belongs to, or undefined (unknown, revoked, rotated or malformed). */
  findByToken(token: string): Promise<Member | undefined>;
  /** Adds a member; returns the token, which exists nowhere else afterwards. */
  add(name: string, role: Role, by: string): Promise<{ member: Member; token: string }>;
  /** Replaces an active member's token; the old one is refused from now on. */
  rotate(name: string, by: string): Promise<{ member: Member; token: string }>;
  revoke(name: string, by: string): Promise<Member>;
}

export function openMemberStore(warehouseDir: string, clock: Clock): MemberStore {
  const file = membersFilePath(warehouseDir);

  const read = (): MemberFile => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, members: [] };
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as MemberFile;
      if (parsed.version !== 1 || !Array.isArray(parsed.members)) throw new Error('unknown layout');
      return parsed;
    } catch (error) {
      // why: a damaged member file must not silently open the warehouse to everyone as "unclaimed".
      throw new CliError(`${file} is damaged (${(error as Error).message}): restore it from a backup`, {
        cause: error,
      });
    }
  };

  const write = (data: MemberFile): void => {
    fs.mkdirSync(warehouseDir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  };

  const change = async <T>(command: string, edit: (data: MemberFile) => Promise<T>): Promise<T> => {
    const lock = await acquireWriterLock(warehouseDir, 'members', { command, clock, waitMs: 10_000 });
    try {
      const data = read();
      const result = await edit(data);
      write(data);
      return result;
    } finally {
      lock.release();
    }
  };

  const active = (data: MemberFile, name: string): Member => {
    const member = data.members.find((m) => m.name === name && !m.revokedAt);
    if (!member) {
      const known = data.members.filter((m) => !m.revokedAt).map((m) => m.name);
      throw new UsageError(
        `no active member named ${JSON.stringify(name)}: active members are ${known.join(', ') || 'none'}`,
      );
    }
    return member;
  };

  const now = () => new Date(clock.now()).toISOString();

  return {
    list: () => read().members,
    isClaimed: () => read().members.length > 0,
    findByToken: async (token) => {
      const id = memberIdOfToken(token);
      const member = id ? read().members.find((m) => m.id === id) : undefined;
      if (!member) {
        await burnTokenCheck(token);
        return undefined;
      }
      const matches = await tokenMatches(token, member.token);
      return matches && !member.revokedAt ? member : undefined;
    },
    add: (name, role, by) =>
      change('mqs members add', async (data) => {
        if (!MEMBER_NAME.test(name))
          throw new UsageError(
            `member name ${JSON.stringify(name)} is not allowed: use 1–40 letters, digits, dot, dash or underscore`,
          );
        if (data.members.some((m) => m.name === name && !m.revokedAt))
          throw new UsageError(
            `member ${JSON.stringify(name)} exists: rotate its token or pick another name`,
          );
        if (data.members.length === 0 && role !== 'admin')
          throw new UsageError(
            `the first member must be an admin (got --role ${role}): add yourself with --role admin first`,
          );
        let id = generateMemberId();
        while (data.members.some((m) => m.id === id)) id = generateMemberId();
        const token = generateToken(id);
        registerSecret(token);
        const member: Member = {
          id,
          name,
          role,
          createdAt: now(),
          createdBy: by,
          token: await hashToken(token),
        };
        data.members.push(member);
        return { member, token };
      }),
    rotate: (name, by) =>
      change('mqs members rotate', async (data) => {
        const member = active(data, name);
        const token = generateToken(member.id);
        registerSecret(token);
        member.token = await hashToken(token);
        member.rotatedAt = now();
        member.rotatedBy = by;
        return { member, token };
      }),
    revoke: (name, by) =>
      change('mqs members revoke', async (data) => {
        const member = active(data, name);
        const admins = data.members.filter((m) => m.role === 'admin' && !m.revokedAt);
        if (member.role === 'admin' && admins.length === 1)
          throw new UsageError(
            `${name} is the last active admin: add another admin first, so the warehouse keeps one`,
          );
        member.revokedAt = now();
        member.revokedBy = by;
        return member;
      }),
  };
}
