#!/usr/bin/env node
// Entry point: TypeScript sources run through tsx's loader, so there is no separate compile step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/commands.ts');
process.exitCode = await main(process.argv.slice(2));
