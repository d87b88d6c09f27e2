import os from 'node:os';
import type { AppContext } from '../core/app-context.ts';
import { CliError, errorMessage } from '../core/errors.ts';
import { type AuditOutcome, appendAuditEntry } from './audit-log.ts';
import { openMemberStore, type Role, roleRank } from './member-store.ts';

/** Who runs a command: a member, or the machine's shell while the warehouse has no members. */
export type Identity =
  | { kind: 'member'; id: string; name: string; role: Role }
  | { kind: 'unclaimed'; name: string; role: 'admin' };

/** A command refused for lack of a role: exit 1, naming the role it needed. */
export class AccessDeniedError extends CliError {
  readonly neededRole: Role;
  constructor(message: string, neededRole: Role) {
    super(message, { exitCode: 1 });
    this.neededRole = neededRole;
  }
}

function unclaimedIdentity(): Identity {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {}
  return { kind: 'unclaimed', name: `unclaimed:${user}`, role: 'admin' };
}

function audit(
  ctx: AppContext,
  who: Pick<Identity, 'name'> & { role?: string },
  action: string,
  outcome: AuditOutcome,
  detail?: string,
): void {
  appendAuditEntry(ctx.config.warehouseDir, {
    at: new Date(ctx.clock.now()).toISOString(),
    who: who.name,
    ...(who.role ? { role: who.role } : {}),
    action,
    outcome,
    ...(detail ? { detail } : {}),
  });
}

/**
 * Checks that whoever runs `action` holds at least `role`, from `MEMBER_AUTH_TOKEN` (config.memberToken).
 * While the warehouse has no members everything runs as the bootstrap "unclaimed" identity. Once claimed,
 * a missing, unknown, revoked or rotated token, or too small a role, throws an AccessDeniedError (exit 1) that
 * names the role needed. Denials, and allowed actions above viewer, go to the audit log.
 */
export async function authorize(ctx: AppContext, role: Role, action: string): Promise<Identity> {
  const store = openMemberStore(ctx.config.warehouseDir, ctx.clock);
  if (!store.isClaimed()) return unclaimedIdentity();
  const token = ctx.config.memberToken;
  const deny = (who: { name: string; role?: string }, message: string): never => {
    audit(ctx, who, action, 'denied', message);
    ctx.log.debug({ action, neededRole: role, who: who.name }, 'access denied');
    throw new AccessDeniedError(message, role);
  };
  if (!token)
    return deny(
      { name: 'anonymous' },
      `${action} needs the ${role} role: this warehouse has members, so set MEMBER_AUTH_TOKEN to your member token (an admin issues one with mqs members add)`,
    );
  const member = await store.findByToken(token);
  if (!member)
    return deny(
      { name: 'unknown' },
      `${action} needs the ${role} role, and MEMBER_AUTH_TOKEN is not a valid member token (unknown, revoked or rotated): ask an admin for a new one`,
    );
  const identity: Identity = { kind: 'member', id: member.id, name: member.name, role: member.role };
  if (roleRank(member.role) < roleRank(role))
    return deny(identity, `${action} needs the ${role} role; member ${member.name} is ${member.role}`);
  if (role !== 'viewer') audit(ctx, identity, action, 'allowed');
  return identity;
}

/**
 * Authorizes, runs `work`, and records its outcome (ok or failed, with the error) in the audit log.
 * For privileged commands whose result matters to an audit: backups, restores, members, trading.
 */
export async function runAuthorized<T>(
  ctx: AppContext,
  role: Role,
  action: string,
  work: (who: Identity) => Promise<T>,
  describeResult?: (result: T) => string,
): Promise<T> {
  const who = await authorize(ctx, role, action);
  try {
    const result = await work(who);
    audit(ctx, who, action, 'ok', describeResult?.(result));
    return result;
  } catch (error) {
    audit(ctx, who, action, 'failed', errorMessage(error));
    throw error;
  }
}
