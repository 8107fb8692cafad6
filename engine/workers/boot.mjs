// Entry of a segment worker thread: TypeScript through tsx's loader, as bin/llmux-bench.mjs.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
