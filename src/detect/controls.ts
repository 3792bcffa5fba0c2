import type { Controls } from './define-detector.ts';

/**
 * The framework controls detectors cite (metadata `controls`), with their names, so an alert
 * shows "ASI03 Identity and Privilege Abuse" rather than a bare id. OWASP's and MAESTRO's lists
 * are complete; the NIST AI RMF 1.0 and NIST CSF 2.0 subcategories are those the corpus cites
 * (their catalogs run to hundreds), named by their outcome text, shortened where long. A detector
 * citing a subcategory not here fails test/controls.test.ts: add its name here.
 */

export const FRAMEWORKS = {
  owaspAgentic: 'OWASP Top 10 for Agentic Applications (2026)',
  maestro: 'CSA MAESTRO',
  nistAiRmf: 'NIST AI RMF 1.0',
  nistCsf: 'NIST CSF 2.0',
} as const satisfies Record<keyof Controls, string>;
export type Framework = keyof typeof FRAMEWORKS;

export interface Control {
  framework: Framework;
  id: string;
  name: string;
  url: string | null;
}

const OWASP_URL = 'https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/';
const MAESTRO_URL = 'https://cloudsecurityalliance.org/blog/2025/02/06/agentic-ai-threat-modeling-framework-maestro';
const AI_RMF_URL = 'https://airc.nist.gov/airmf-resources/playbook/';
const CSF_URL = 'https://www.nist.gov/cyberframework';

const named = (framework: Framework, url: string, names: Record<string, string>): Control[] =>
  Object.entries(names).map(([id, name]) => ({ framework, id, name, url }));

export const CONTROLS: readonly Control[] = [
  ...named('owaspAgentic', OWASP_URL, {
    ASI01: 'Agent Goal Hijack',
    ASI02: 'Tool Misuse and Exploitation',
    ASI03: 'Identity and Privilege Abuse',
    ASI04: 'Agentic Supply Chain Vulnerabilities',
    ASI05: 'Unexpected Code Execution',
    ASI06: 'Memory and Context Poisoning',
    ASI07: 'Insecure Inter-Agent Communication',
    ASI08: 'Cascading Failures',
    ASI09: 'Human-Agent Trust Exploitation',
    ASI10: 'Rogue Agents',
  }),
  ...named('maestro', MAESTRO_URL, {
    L1: 'Foundation Models',
    L2: 'Data Operations',
    L3: 'Agent Frameworks',
    L4: 'Deployment and Infrastructure',
    L5: 'Evaluation and Observability',
    L6: 'Security and Compliance',
    L7: 'Agent Ecosystem',
    'cross-layer': 'Cross-layer threats',
  }),
  ...named('nistAiRmf', AI_RMF_URL, {
    'GOVERN 1.4': 'The risk management process and its outcomes are established through transparent policies, procedures and other controls',
    'GOVERN 1.6': 'Mechanisms are in place to inventory AI systems, resourced according to organizational risk priorities',
    'GOVERN 2.1': 'Roles, responsibilities and lines of communication for mapping, measuring and managing AI risks are documented and clear',
    'GOVERN 6.1': 'Policies and procedures address AI risks associated with third-party entities',
    'MAP 3.4': 'Processes for operator and practitioner proficiency with AI system performance and trustworthiness, and relevant technical standards and certifications, are defined, assessed and documented',
    'MAP 3.5': 'Processes for human oversight are defined, assessed and documented',
    'MAP 4.1': 'Approaches for mapping the technology and legal risks of AI components, including third-party data or software, are in place',
    'MEASURE 2.4': 'The functionality and behavior of the AI system and its components are monitored in production',
    'MEASURE 2.7': 'AI system security and resilience are evaluated and documented',
    'MEASURE 2.8': 'Risks associated with transparency and accountability are examined and documented',
    'MANAGE 2.2': 'Mechanisms are in place and applied to sustain the value of deployed AI systems',
    'MANAGE 2.3': 'Procedures are followed to respond to and recover from a previously unknown risk when it is identified',
    'MANAGE 2.4': 'Mechanisms are in place to supersede, disengage or deactivate AI systems with outcomes inconsistent with intended use',
    'MANAGE 3.1': 'AI risks and benefits from third-party resources are regularly monitored, and risk controls are applied and documented',
    'MANAGE 3.2': 'Pre-trained models used for development are monitored as part of regular monitoring and maintenance',
    'MANAGE 4.1': 'Post-deployment monitoring plans are implemented, including incident response, recovery and change management',
  }),
  ...named('nistCsf', CSF_URL, {
    'GV.PO-02': 'Cybersecurity risk policy is reviewed, updated, communicated and enforced as requirements, threats and technology change',
    'GV.RM-03': 'Cybersecurity risk management activities and outcomes are included in enterprise risk management',
    'GV.RR-02': 'Roles, responsibilities and authorities for cybersecurity risk management are established, communicated and enforced',
    'GV.RR-04': 'Cybersecurity is included in human resources practices',
    'GV.SC-07': 'Supplier and third-party risks are understood, recorded, prioritized, assessed, responded to and monitored',
    'ID.AM-02': 'Inventories of software, services and systems managed by the organization are maintained',
    'ID.AM-04': 'Inventories of services provided by suppliers are maintained',
    'PR.AA-01': 'Identities and credentials for authorized users, services and hardware are managed by the organization',
    'PR.AA-02': 'Identities are proofed and bound to credentials based on the context of interactions',
    'PR.AA-03': 'Users, services and hardware are authenticated',
    'PR.AA-05': 'Access permissions, entitlements and authorizations are defined in a policy, managed, enforced and reviewed (least privilege)',
    'PR.DS-01': 'The confidentiality, integrity and availability of data-at-rest are protected',
    'PR.PS-01': 'Configuration management practices are established and applied',
    'PR.PS-04': 'Log records are generated and made available for continuous monitoring',
    'DE.AE-03': 'Information is correlated from multiple sources',
    'DE.CM-03': 'Personnel activity and technology usage are monitored to find potentially adverse events',
    'DE.CM-06': 'External service provider activities and services are monitored to find potentially adverse events',
    'DE.CM-09': 'Computing hardware, software, runtime environments and their data are monitored to find potentially adverse events',
  }),
];

const BY_KEY = new Map(CONTROLS.map((c) => [`${c.framework}\u0000${c.id}`, c]));

/** The named control, or undefined when the catalog lacks it. */
export function controlOf(framework: Framework, id: string): Control | undefined {
  return BY_KEY.get(`${framework}\u0000${id}`);
}

/** Every control a detector's metadata cites, in framework order; missing names are reported by the caller. */
export function citedControls(controls: Controls): { framework: Framework; id: string }[] {
  return (Object.keys(FRAMEWORKS) as Framework[]).flatMap((framework) => controls[framework].map((id) => ({ framework, id })));
}
