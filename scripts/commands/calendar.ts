import type { CommandModule } from 'yargs';
import {
  CALENDAR_FIRST_DATE,
  CALENDAR_FIRST_YEAR,
  CALENDAR_LAST_DATE,
  CALENDAR_LAST_YEAR,
  calendarSource,
  earlyCloses,
  holidays,
  publishedThrough,
  sessionsBetween,
} from '../../etl/core/calendar.ts';
import { UsageError } from '../../etl/core/errors.ts';
import { isIsoDate } from '../../etl/core/time.ts';
import { numberOption, optionalNumberFlag } from '../number-option.ts';

interface Args {
  year?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

const command: CommandModule<object, Args> = {
  command: 'calendar',
  describe: `show the NYSE trading calendar (${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}): holidays and early closes of a year, or the sessions of a range`,
  builder: (y) =>
    y
      .option('year', numberOption('list the holidays and early closes of this year'))
      .option('from', { type: 'string', describe: 'first date of a range of sessions (YYYY-MM-DD)' })
      .option('to', { type: 'string', describe: 'last date of the range (YYYY-MM-DD), inclusive' })
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  handler: (args) => {
    if (args.from || args.to) {
      const from = args.from ?? args.to!;
      const to = args.to ?? args.from!;
      for (const [name, value] of [
        ['--from', from],
        ['--to', to],
      ] as const) {
        if (!isIsoDate(value))
          throw new UsageError(`${name} ${JSON.stringify(value)} is not a date: use YYYY-MM-DD`);
        if (value < CALENDAR_FIRST_DATE || value > CALENDAR_LAST_DATE)
          throw new UsageError(
            `${name} ${value} is outside the trading calendar (${CALENDAR_FIRST_DATE} to ${CALENDAR_LAST_DATE})`,
          );
      }
      if (from > to) throw new UsageError(`--from ${from} is after --to ${to}: swap them`);
      const sessions = sessionsBetween(from, to).map((s) => ({
        date: s.date,
        open_at: new Date(s.openAt).toISOString(),
        close_at: new Date(s.closeAt).toISOString(),
        early_close: s.earlyClose,
        source: calendarSource(Number(s.date.slice(0, 4))),
      }));
      if (args.json) process.stdout.write(`${JSON.stringify(sessions)}\n`);
      else
        for (const s of sessions)
          process.stdout.write(
            `${s.date}  ${s.open_at}  ${s.close_at}${s.early_close ? '  early close' : ''}${s.source === 'rules' ? '  (rules)' : ''}\n`,
          );
      return;
    }
    const year = optionalNumberFlag(
      'year',
      args.year,
      { integer: true, min: 1, what: 'a year', example: 2024 },
      new Date().getUTCFullYear(),
    );
    if (year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_YEAR)
      throw new UsageError(
        `--year ${args.year} is outside the trading calendar (${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}): use a whole year in that range`,
      );
    const source = calendarSource(year);
    const result = {
      year,
      source,
      published_through: publishedThrough(),
      holidays: holidays(year),
      early_closes: earlyCloses(year).map((e) => ({ date: e.date, name: e.name, close: e.closeTime })),
    };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    process.stdout.write(`NYSE ${year}\n`);
    process.stdout.write(
      source === 'published'
        ? `Source: published (the exchange's list, checked through ${result.published_through})\n`
        : `Source: rules (computed; the exchange has published through ${result.published_through} only)\n`,
    );
    process.stdout.write('Closed:\n');
    for (const h of result.holidays) process.stdout.write(`  ${h.date}  ${h.name}\n`);
    process.stdout.write('Early close (New York):\n');
    for (const h of result.early_closes) process.stdout.write(`  ${h.date}  ${h.close}  ${h.name}\n`);
  },
};

export default command;
