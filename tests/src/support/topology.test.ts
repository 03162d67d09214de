import { describe, expect, it } from 'vitest';
import { topologiesFrom } from './topology.js';

describe('the topologies the end-to-end suites run on', () => {
  it('are both unless KUNDVAL_TEST_TOPOLOGIES names some, and an unknown name stops the run', () => {
    expect(topologiesFrom(undefined)).toEqual(['dev', 'cluster']);
    expect(topologiesFrom(' ')).toEqual(['dev', 'cluster']);
    expect(topologiesFrom('cluster')).toEqual(['cluster']);
    expect(topologiesFrom('dev, cluster,dev')).toEqual(['dev', 'cluster']);
    expect(() => topologiesFrom('dev,k8s')).toThrow(/unknown topology k8s/);
  });
});
