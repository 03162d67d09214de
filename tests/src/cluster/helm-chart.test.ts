import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { findRepoRoot, resolveTool } from '@kundval/infra';
import { runTool } from './run-tool.js';

const chart = join(findRepoRoot(), 'deploy', 'helm', 'kundval');
const HTTP_SERVICES = ['decisions', 'orders', 'billing', 'workflows'] as const;

type Container = {
  name: string;
  image: string;
  command?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ secretRef?: { name: string } }>;
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};
type Manifest = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { replicas?: number; template?: { spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } } } };
};

describe('the Helm chart of Kundval’s processes (deploy/helm/kundval)', () => {
  it('passes helm lint --strict with the pinned helm', async () => {
    const lint = await runTool(resolveTool('helm'), ['lint', '--strict', chart]);
    expect(lint.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders two replicas of each service and worker, probing /health and /ready, with images and secrets by reference', async () => {
    const rendered = await runTool(resolveTool('helm'), ['template', 'kundval', chart, '--namespace', 'kundval']);
    const manifests = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as Manifest).filter(Boolean);
    const byName = new Map(manifests.map((m) => [`${m.kind}/${m.metadata.name}`, m]));
    // Nothing secret is written by the chart: no Secret objects, only references.
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);

    for (const name of [...HTTP_SERVICES, 'worker'] as const) {
      const deployment = byName.get(`Deployment/kundval-${name}`)!;
      expect(deployment.spec.replicas).toBe(2);
      const pod = deployment.spec.template!.spec;
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      const [container] = pod.containers;
      expect(container!.image).toBe(`registry.example.se/kundval/${name}:0.1.0`);
      expect(container!.resources?.requests?.['memory']).toBeDefined();
      expect(container!.resources?.limits?.['memory']).toBeDefined();
      const env = new Map(container!.env!.map((e) => [e.name, e]));
      expect(env.get('AUTH_SECRET')!.valueFrom!.secretKeyRef).toEqual({ name: 'kundval-auth', key: 'AUTH_SECRET' });
      expect(env.get('KUNDVAL_ENV')!.value).toBe('production');
      expect(env.get('NATS_STREAM_REPLICAS')!.value).toBe('3');
      if (name === 'worker') {
        expect(container!.livenessProbe).toBeUndefined();
      } else {
        expect([container!.livenessProbe?.httpGet?.path, container!.readinessProbe?.httpGet?.path]).toEqual(['/health', '/ready']);
        expect(byName.get(`Service/kundval-${name}`)).toBeDefined();
      }
      const database = env.get('DATABASE_URL');
      if (name === 'workflows' || name === 'worker') expect(database).toBeUndefined();
      else expect(database!.valueFrom!.secretKeyRef).toEqual({ name: `kundval-db-${name}`, key: 'DATABASE_URL' });
    }
    expect(byName.get('Deployment/kundval-billing')!.spec.template!.spec.containers[0]!.envFrom).toEqual([{ secretRef: { name: 'kundval-billing-bank' } }]);

    const setup = byName.get('Job/kundval-setup')!;
    expect(setup.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const [job] = setup.spec.template!.spec.containers;
    expect([job!.image, job!.command]).toEqual(['registry.example.se/kundval/workflows:0.1.0', ['node', 'services/workflows/dist/setup.js']]);
  });
});
