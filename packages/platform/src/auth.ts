import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { Principal, type Role } from '@kundval/contracts';
import { AppError } from './errors.js';

/**
 * Signed bearer tokens. Locally and in tests a development issuer signs with a shared secret
 * (HS256); in production the municipality's identity provider issues them and the services are
 * configured with its secret or key. Claims carry the role and, for providers and citizens, the id
 * that scoping rules read: never trust an id a caller puts in a request body. A `system` token may
 * carry `onBehalfOf`, the person whose request the journey's worker carries out (ADR 0022); no other
 * token may, so a person cannot have their action recorded as someone else's.
 */
export type TokenSettings = { secret: string; issuer: string };

const key = (secret: string) => new TextEncoder().encode(secret);

export async function issueToken(settings: TokenSettings, principal: Principal, ttlSeconds = 8 * 3600): Promise<string> {
  const claims = Principal.parse(principal);
  if (claims.onBehalfOf && claims.role !== 'system') throw new Error('Only a system token acts on behalf of a person.');
  return new SignJWT({ role: claims.role, providerId: claims.providerId, customerId: claims.customerId, municipality: claims.municipality, onBehalfOf: claims.onBehalfOf })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience('kundval')
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(settings.secret));
}

export async function verifyToken(settings: TokenSettings, token: string): Promise<Principal> {
  try {
    // A token without an expiry would be good for ever: `exp` (and who and when) must be there.
    const { payload } = await jwtVerify(token, key(settings.secret), {
      issuer: settings.issuer,
      audience: 'kundval',
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: 30,
    });
    const principal = Principal.safeParse({ ...payload, sub: payload.sub });
    if (!principal.success) throw new AppError('unauthenticated', 'AUTH.BAD_CLAIMS', 'The token does not carry valid claims.');
    // Acting on behalf of someone is the journey worker's alone (ADR 0022): a person's token that
    // names another person is refused, not read as theirs.
    if (principal.data.onBehalfOf && principal.data.role !== 'system') {
      throw new AppError('unauthenticated', 'AUTH.BAD_CLAIMS', 'Only a system token may act on behalf of a person.');
    }
    return principal.data;
  } catch (err) {
    if (err instanceof AppError) throw err;
    const expired = err instanceof joseErrors.JWTExpired;
    throw new AppError('unauthenticated', expired ? 'AUTH.TOKEN_EXPIRED' : 'AUTH.BAD_TOKEN', expired ? 'The token has expired.' : 'The token is not valid.');
  }
}

export type { Role };
