#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so `npx driftwatch` works without a build step.
import { register } from 'tsx/esm/api';

register();
// Before anything loads chdb (src/store/store.ts imports it lazily): see embedded-allocator.ts.
const { tuneEmbeddedAllocator } = await import('../src/store/embedded-allocator.ts');
tuneEmbeddedAllocator();
await import('../src/cli/main.ts');
