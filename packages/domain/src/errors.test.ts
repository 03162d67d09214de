import { describe, expect, it } from 'vitest';
import { DOMAIN_ERROR_CODES, DomainError, isDomainError } from './errors.js';

describe('domain errors', () => {
  it('carries a stable code and details and serialises them', () => {
    const error = new DomainError('DOMAIN.VISIT_OVERLAP', 'overlap', { visitIds: ['a', 'b'] });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DomainError');
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'DomainError', code: 'DOMAIN.VISIT_OVERLAP', message: 'overlap', details: { visitIds: ['a', 'b'] } });
  });

  it('recognises a domain error by shape across bundles, and nothing else', () => {
    expect(isDomainError(new DomainError('DOMAIN.UNKNOWN_AREA', 'x'))).toBe(true);
    expect(isDomainError({ name: 'DomainError', code: 'DOMAIN.UNKNOWN_AREA', message: 'x' })).toBe(true);
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError(null)).toBe(false);
  });

  it('keeps every code unique and in the DOMAIN namespace', () => {
    expect(new Set(DOMAIN_ERROR_CODES).size).toBe(DOMAIN_ERROR_CODES.length);
    for (const code of DOMAIN_ERROR_CODES) expect(code).toMatch(/^DOMAIN\.[A-Z_]+$/);
  });
});
