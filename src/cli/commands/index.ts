import type { Command } from 'commander';
import { ingestCommand } from './ingest.ts';
import { replayCommand } from './replay.ts';
import { produceCommand } from './produce.ts';
import { migrateCommand } from './migrate.ts';
import { detectCommand } from './detect.ts';
import { detectorsCommand } from './detectors.ts';
import { backtestCommand } from './backtest.ts';
import { scheduleCommand } from './schedule.ts';
import { policyCommand } from './policy.ts';
import { runCommand } from './run.ts';
import { simulateCommand } from './simulate.ts';
import { scorecardCommand } from './scorecard.ts';
import { sessionCommand } from './session.ts';

/** Every CLI command; a new command is one file here plus one line in this list. */
export const COMMANDS: (() => Command)[] = [
  runCommand, ingestCommand, replayCommand, produceCommand, migrateCommand,
  detectCommand, detectorsCommand, backtestCommand, scheduleCommand, policyCommand, sessionCommand,
  simulateCommand, scorecardCommand,
];
