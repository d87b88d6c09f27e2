import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { acquireWriterLock, type WriterLock } from '../core/writer-lock.ts';

/** Every writer of the warehouse, in the order their locks are taken (a fixed order, so two takers never deadlock). */
export const WAREHOUSE_WRITERS = ['etl', 'books', 'members'] as const;

export interface AllWriterLocksOptions {
  /** Shown to whoever waits for us, e.g. `mqs backup`. */
  command: string;
  clock: Clock;
  /** How long to wait for each writer, ms; 0 fails at once. */
  waitMs: number;
  log?: Logger;
}

/**
 * Takes the `etl`, `books` and `members` writer locks so that nothing in the warehouse is half-written while
 * they are held. Throws the LockedError of the first lock still busy after the wait (naming its holder), having
 * released the ones it took.
 */
export async function acquireAllWriterLocks(
  warehouseDir: string,
  options: AllWriterLocksOptions,
): Promise<WriterLock> {
  const held: WriterLock[] = [];
  const release = () => {
    for (const lock of held.splice(0).reverse()) lock.release();
  };
  try {
    for (const name of WAREHOUSE_WRITERS) {
      held.push(
        await acquireWriterLock(warehouseDir, name, {
          command: options.command,
          clock: options.clock,
          waitMs: options.waitMs,
          onWait: (holder) =>
            options.log?.info(
              { writer: name, holder: holder.command, pid: holder.pid, waitMs: options.waitMs },
              'waiting for a writer to finish',
            ),
        }),
      );
    }
  } catch (error) {
    release();
    throw error;
  }
  return { file: held.map((l) => l.file).join(', '), release };
}
