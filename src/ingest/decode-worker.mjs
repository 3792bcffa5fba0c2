// Entry of a decode worker thread: Node 20 does not apply `--import` hooks to worker threads, so
// the worker registers tsx itself before loading the TypeScript worker module (as bin/ does).
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
