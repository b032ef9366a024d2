// Verifies a JWT the way a Node service would: jose's createRemoteJWKSet on a JWK Set URL
// and jwtVerify with an algorithm allow-list. Driven by tests/e2e/test_jwks.py.
//
//   node verify_jwt.mjs <jwks-url> <token>
//
// Prints {"payload": ..., "header": ...} and exits 0 when the token verifies; prints
// {"error": <jose error code>, "message": ...} and exits 1 when it does not.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [jwksUrl, token] = process.argv.slice(2);
if (!jwksUrl || !token) {
  process.stderr.write('usage: node verify_jwt.mjs <jwks-url> <token>\n');
  process.exit(2);
}

const jwks = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000 });
try {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    algorithms: ['EdDSA', 'ES256', 'RS256'],
  });
  process.stdout.write(JSON.stringify({ payload, header: protectedHeader }));
} catch (err) {
  process.stdout.write(JSON.stringify({ error: err.code ?? err.name, message: err.message }));
  process.exitCode = 1;
}
