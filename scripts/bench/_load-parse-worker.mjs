// Entry of the load bench's parse worker: tsx's loader does not carry over into worker threads, so it is
// registered here before the TypeScript body is imported.
import { register } from 'tsx/esm/api';

register();
await import('./_load-parse-worker.ts');
