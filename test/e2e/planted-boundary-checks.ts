import { expect } from 'vitest';
import type { Alert } from '../../src/detect/alerts.ts';
import { OUTSIDE_ORG, PLANTED_SECRET } from '../../src/simulate/boundary-events.ts';

/** How the boundary incidents' alerts must look (src/simulate/planted-boundaries.ts), keyed by planted id. */

const figures = (a: Alert) => a.evidence.figures;

export function boundaryChecks(): Record<string, (a: Alert) => void> {
  return {
    'erin-secrets': (a) => {
      expect(figures(a)).toMatchObject({ secretPatterns: ['aws-credentials', 'dotenv-file'], outsideRepositories: [`github.com/${OUTSIDE_ORG}`] });
      // The secret on the command line reaches neither the evidence nor the samples (stored raw is redacted).
      expect(JSON.stringify(a)).not.toContain(PLANTED_SECRET);
    },
    'dana-bypass-mode': (a) => expect(figures(a)).toMatchObject({ modes: ['bypassPermissions'], tools: ['Bash'], approvalSources: ['user_permanent'] }),
    'alice-confluence': (a) => expect(figures(a)).toMatchObject({ sessionClass: 'coding', servers: ['confluence'], approvedFor: ['chat'] }),
    'frank-desktop': (a) => expect(figures(a)).toMatchObject({ dimension: 'service', value: 'claude-code-desktop', historyShare: 0 }),
    'bypass-entry-path': (a) => expect(figures(a)).toMatchObject({ dimension: 'path', value: 'subscription-login', share: 1, historyShare: 0 }),
  };
}
