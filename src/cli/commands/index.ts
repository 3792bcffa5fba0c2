import type { Command } from 'commander';
import { ingestCommand } from './ingest.ts';
import { replayCommand } from './replay.ts';
import { produceCommand } from './produce.ts';
import { migrateCommand } from './migrate.ts';

/** Every CLI command; a new command is one file here plus one line in this list. */
export const COMMANDS: (() => Command)[] = [ingestCommand, replayCommand, produceCommand, migrateCommand];
