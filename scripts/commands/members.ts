import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../etl/core/errors.ts';
import { isIsoDate } from '../../etl/core/time.ts';
import type { ContextArgs } from '../context.ts';

interface NameArgs extends ContextArgs {
  name: string;
}
interface AddArgs extends NameArgs {
  role: string;
}
interface ListArgs extends ContextArgs {
  json?: boolean;
  all?: boolean;
}
interface AuditArgs extends ContextArgs {
  since?: string;
  limit?: number;
  json?: boolean;
}

async function ops() {
  const [access, store, audit] = await Promise.all([
    import('../../etl/ops/authorize.ts'),
    import('../../etl/ops/member-store.ts'),
    import('../../etl/ops/audit-log.ts'),
  ]);
  return { ...access, ...store, ...audit };
}

// why: the CLI root reports a missing positional only after the handler ran; refuse before doing anything.
function requireName(name: string | undefined, subcommand: string): string {
  if (!name) throw new UsageError(`name the member: mqs members ${subcommand} NAME`);
  return name;
}

function printToken(name: string, token: string): void {
  // why: the token goes to stdout once and nowhere else; only its scrypt hash is kept.
  process.stdout.write(
    `Token for ${name}, shown this once (it cannot be recovered; rotate it if lost):\n\n  ${token}\n\n` +
      `${name} sets it as MEMBER_AUTH_TOKEN (environment or .env) to run mqs commands.\n`,
  );
}

const add: CommandModule<ContextArgs, AddArgs> = {
  command: 'add <name>',
  describe: 'add a member and print their token once (admin; the first admin needs no token)',
  builder: (y) =>
    y
      .positional('name', {
        type: 'string',
        demandOption: true,
        describe: 'member name (letters, digits, . _ -)',
      })
      .option('role', {
        type: 'string',
        demandOption: true,
        choices: ['viewer', 'analyst', 'trader', 'admin'],
        describe:
          'viewer reads; analyst runs the ETL and backtests; trader trades; admin backs up, restores, manages members',
      }),
  handler: async (args) => {
    const ctx = args.context();
    requireName(args.name, 'add');
    const { runAuthorized, openMemberStore, parseRole } = await ops();
    const role = parseRole(args.role);
    const { member, token } = await runAuthorized(
      ctx,
      'admin',
      `members add ${args.name} --role ${role}`,
      (who) => openMemberStore(ctx.config.warehouseDir, ctx.clock).add(args.name, role, who.name),
      (r) => `member id ${r.member.id}`,
    );
    process.stdout.write(`added ${member.name} as ${member.role}\n`);
    printToken(member.name, token);
    const { loosePermissionsWarning } = await import('../../etl/ops/warehouse-permissions.ts');
    const warning = loosePermissionsWarning(ctx.config.warehouseDir);
    if (warning) process.stderr.write(`${warning}\n`);
  },
};

const rotate: CommandModule<ContextArgs, NameArgs> = {
  command: 'rotate <name>',
  describe: "replace a member's token; the old one stops working at once (admin)",
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }),
  handler: async (args) => {
    requireName(args.name, 'rotate');
    const ctx = args.context();
    const { runAuthorized, openMemberStore } = await ops();
    const { member, token } = await runAuthorized(ctx, 'admin', `members rotate ${args.name}`, (who) =>
      openMemberStore(ctx.config.warehouseDir, ctx.clock).rotate(args.name, who.name),
    );
    printToken(member.name, token);
  },
};

const revoke: CommandModule<ContextArgs, NameArgs> = {
  command: 'revoke <name>',
  describe: 'revoke a member; their token is refused from now on (admin)',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }),
  handler: async (args) => {
    requireName(args.name, 'revoke');
    const ctx = args.context();
    const { runAuthorized, openMemberStore } = await ops();
    const member = await runAuthorized(ctx, 'admin', `members revoke ${args.name}`, (who) =>
      openMemberStore(ctx.config.warehouseDir, ctx.clock).revoke(args.name, who.name),
    );
    process.stdout.write(`revoked ${member.name} (${member.role})\n`);
  },
};

const list: CommandModule<ContextArgs, ListArgs> = {
  command: 'list',
  describe: 'list members and roles (admin)',
  builder: (y) =>
    y
      .option('all', { type: 'boolean', describe: 'include revoked members' })
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  handler: async (args) => {
    const ctx = args.context();
    const { authorize, openMemberStore, summarize } = await ops();
    await authorize(ctx, 'admin', 'members list');
    const members = openMemberStore(ctx.config.warehouseDir, ctx.clock)
      .list()
      .filter((m) => args.all || !m.revokedAt)
      .map(summarize);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(members)}\n`);
      return;
    }
    if (members.length === 0)
      process.stdout.write('no members: the warehouse is unclaimed (mqs members add NAME --role admin)\n');
    for (const m of members)
      process.stdout.write(
        `${m.name.padEnd(20)} ${m.role.padEnd(8)} since ${m.createdAt}` +
          `${m.rotatedAt ? `  rotated ${m.rotatedAt}` : ''}${m.revokedAt ? `  REVOKED ${m.revokedAt}` : ''}\n`,
      );
  },
};

const audit: CommandModule<ContextArgs, AuditArgs> = {
  command: 'audit',
  describe: 'show the audit log: who did what, when, with what outcome (admin)',
  builder: (y) =>
    y
      .option('since', { type: 'string', describe: 'only entries from this UTC date on (YYYY-MM-DD)' })
      .option('limit', { type: 'number', describe: 'only the last N entries' })
      .option('json', { type: 'boolean', describe: 'print JSON lines' }),
  handler: async (args) => {
    if (args.since !== undefined && !isIsoDate(args.since))
      throw new UsageError(`--since ${JSON.stringify(args.since)} is not a date: use YYYY-MM-DD`);
    if (args.limit !== undefined && !(Number.isInteger(args.limit) && args.limit > 0))
      throw new UsageError(`--limit ${args.limit} is not a whole number above 0`);
    const ctx = args.context();
    const { authorize, readAuditEntries } = await ops();
    await authorize(ctx, 'admin', 'members audit');
    const entries = readAuditEntries(ctx.config.warehouseDir, {
      sinceMs: args.since ? Date.parse(`${args.since}T00:00:00Z`) : undefined,
      limit: args.limit,
    });
    for (const e of entries)
      process.stdout.write(
        args.json
          ? `${JSON.stringify(e)}\n`
          : `${e.at}  ${e.who.padEnd(20)} ${e.outcome.padEnd(7)} ${e.action}${e.detail ? `  (${e.detail})` : ''}\n`,
      );
  },
};

const command: CommandModule<ContextArgs, ContextArgs> = {
  command: 'members',
  describe: 'members and access control: add, list, revoke, rotate, audit',
  builder: (y: Argv<ContextArgs>) =>
    y
      .command(add)
      .command(list)
      .command(revoke)
      .command(rotate)
      .command(audit)
      .demandCommand(1, 'name a subcommand: add, list, revoke, rotate or audit'),
  handler: () => {},
};

export default command;
