import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at } from '../_shared/fixtures.ts';
import { bashBy, toolCallBy } from '../_shared/fixtures-boundaries.ts';
import { PEOPLE, apiRequestBy, toolEventBy } from '../_shared/fixtures-logging.ts';
import { SIZE_WINDOW, busyHour, sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './data-boundary.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const { alice, erin, omar } = PEOPLE;
const S1 = '0b6e1f52-7c3a-4d8e-9f10-2a3b4c5d6e71';
const S2 = '1c7f2a63-8d4b-4e9f-a021-3b4c5d6e7f82';
const S3 = '2d803b74-9e5c-4fa0-b132-4c5d6e7f8093';
/** A planted secret value: it must reach no column, alert field or sample. */
const PLANTED = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTED0042';

/** Ordinary work: repository and hosts the example policy expects, no secret material. */
const ordinary = [
  apiRequestBy(alice, at('14:01'), S1),
  bashBy(alice, at('14:02'), 'git pull https://github.com/acme/driftwatch.git main', { session: S1 }),
  toolCallBy(alice, at('14:03'), 'Read', { input: { file_path: '/home/alice/src/app/environment.ts' } }, { session: S1 }),
  toolCallBy(alice, at('14:04'), 'WebFetch', { parameters: { url: 'https://registry.npmjs.org/zod', prompt: 'latest version' } }, { session: S1 }),
  toolCallBy(erin, at('14:05'), 'WebFetch', { parameters: { url: 'https://huggingface.co/meta-llama', prompt: 'model card' } }),
  toolEventBy(alice, at('14:06'), 'mcp__github__create_pull_request', { session: S1 }),
];

detectorCases(detector, [
  {
    name: 'fires per session on secret material and on repositories and hosts outside the team\'s expected set, naming patterns only',
    records: {
      agent: [
        ...ordinary,
        // omar reads cloud credentials and a .env, then dumps the environment (tool details logged).
        apiRequestBy(omar, at('14:10'), S2),
        toolCallBy(omar, at('14:11'), 'Read', { input: { file_path: '/Users/omar/.aws/credentials' } }, { session: S2 }),
        bashBy(omar, at('14:12'), `cat .env && export AWS_SECRET_ACCESS_KEY=${PLANTED}`, { session: S2 }),
        bashBy(omar, at('14:13'), 'printenv', { session: S2 }),
        // alice clones another organisation's repository and fetches a paste site.
        bashBy(alice, at('14:20'), 'git clone https://x-access-token:ghp_PLANTEDtoken00000000000000000000000@github.com/rival-corp/payments.git', { session: S3 }),
        toolCallBy(alice, at('14:21'), 'WebFetch', { parameters: { url: 'https://pastebin.com/raw/Zx81', prompt: 'read' } }, { session: S3 }),
        // huggingface.co is expected for team-ml only.
        toolCallBy(alice, at('14:22'), 'WebFetch', { parameters: { url: 'https://huggingface.co/datasets', prompt: 'list' } }, { session: S3 }),
      ],
    },
    window: HOUR,
    expect: [
      {
        entity: `session:${S2}`, team: 'team-data', identity: 'omar.haddad@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ secretPatterns: ['aws-credentials', 'dotenv-file', 'environment-dump'], secretCalls: 3, outsideRepositories: [], outsideHosts: [] });
          expect(a.summary).toMatch(/touched secret material \(aws-credentials, dotenv-file, environment-dump\)/);
          expect(a.windowStart).toBe(at('00:00:00.000'));
          const everything = JSON.stringify(a);
          expect(everything).not.toContain(PLANTED);
          expect(everything).not.toContain('PLANTEDtoken');
          expect(a.evidence.samples?.length).toBe(3);
        },
      },
      {
        entity: `session:${S3}`, team: 'team-platform-eng', identity: 'alice@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ secretPatterns: [], outsideRepositories: ['github.com/rival-corp'], outsideHosts: ['huggingface.co', 'pastebin.com'] });
          expect(JSON.stringify(a)).not.toContain('PLANTEDtoken');
        },
      },
    ],
  },
  {
    name: 'fires on a secret-manager MCP tool without tool details, and on MCP servers outside an expected list the team has',
    records: {
      agent: [
        ...ordinary,
        toolEventBy(erin, at('14:30'), 'mcp__hashicorp-vault__read_secret', { session: S2 }),
      ],
    },
    window: HOUR,
    policy: (p) => ({ ...p, agentBoundaries: { ...p.agentBoundaries, expected: { ...p.agentBoundaries.expected, teams: [{ team: 'team-ml', hosts: ['huggingface.co'], mcpServers: ['huggingface', 'wandb'] }] } } }),
    expect: [
      {
        entity: `session:${S2}`, team: 'team-ml', identity: 'erin.walsh@example.com',
        check: (a) => expect(a.evidence.figures).toMatchObject({ secretPatterns: ['secret-manager-mcp'], outsideMcpServers: ['hashicorp-vault'] }),
      },
    ],
  },
  {
    name: 'quiet for expected repositories and hosts, look-alike paths, rejected calls and calls outside the window',
    records: {
      agent: [
        ...ordinary,
        toolCallBy(omar, at('14:40'), 'Read', { input: { file_path: '/Users/omar/.aws/credentials' } }, { session: S2, decision: 'reject' }),
        bashBy(omar, at('13:59:59'), 'printenv', { session: S2 }),
        bashBy(omar, at('15:00'), 'cat .env', { session: S2 }),
      ],
    },
    window: HOUR,
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's busiest hour of ordinary work (a model request and a git
 * pull of the team's own repository each); the planted incident is one session reading cloud
 * credentials, as visible among 800 requests as among 8.
 */
detectorCases(detector, sizeMatrix((size) => {
  const work = busyHour(size).flatMap(({ time, session }) => [apiRequestBy(alice, time, session), bashBy(alice, time, 'git pull https://github.com/acme/driftwatch.git main', { session })]);
  const reader = crypto.randomUUID();
  return [
    {
      name: 'fires on one session reading cloud credentials',
      records: { agent: [...work, apiRequestBy(omar, at('14:50'), reader), toolCallBy(omar, at('14:51'), 'Read', { input: { file_path: '/Users/omar/.aws/credentials' } }, { session: reader })] },
      window: SIZE_WINDOW,
      expect: [{ entity: `session:${reader}`, team: 'team-data', check: (a) => expect(a.evidence.figures).toMatchObject({ secretPatterns: ['aws-credentials'], secretCalls: 1 }) }],
    },
    { name: 'quiet on ordinary work in the team\'s own repository', records: { agent: work }, window: SIZE_WINDOW, expect: 'none' },
  ];
}));
