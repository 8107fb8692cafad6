// Which docs page holds the flag table of each `llmux-bench` command, and the spec it is rendered
// from. A new command in lib/commands.ts needs an entry here (a test checks both lists agree).
import type { CommandSpec } from '../cli.ts';
import { mockCommand } from '../../mock/cli.ts';
import { spec as engineSpec } from '../../engine/cli.ts';
import { benchCommand } from '../../runner/cli.ts';
import { reportSpec } from '../../reporter/report-cli.ts';
import { compareSpec } from '../../reporter/compare-cli.ts';
import { paritySpec } from '../../runner/parity/cli.ts';
import { cloudSpec } from '../../runner/cloud/cli.ts';

export const COMMAND_SPECS: Record<string, CommandSpec> = {
  mock: mockCommand,
  engine: engineSpec,
  bench: benchCommand,
  report: reportSpec,
  compare: compareSpec,
  parity: paritySpec,
  cloud: cloudSpec,
};

/** Page (relative to the repository root) → commands whose flag tables it must hold. */
export const FLAG_TABLE_PAGES: Record<string, string[]> = {
  'docs/mock.md': ['mock'],
  'docs/engine.md': ['engine'],
  'docs/runner.md': ['bench'],
  'docs/reporter.md': ['report', 'compare'],
  'docs/k6-and-cloud.md': ['parity', 'cloud'],
};
