// Verifies an SD-JWT VC (and a holder's presentation of it) with the OpenWallet
// Foundation's TypeScript SD-JWT libraries (@sd-jwt/sd-jwt-vc), an implementation nobody
// on the vnfil project wrote (tests/test_sdjwt.py drives it).
//
// stdin: {"sd_jwt": "<issuer-signed JWT>~<disclosure>~...~[KB-JWT]",
//         "issuer_jwk": {...public key of the kid in the DID document...},
//         "status_list_jwt": "<the Token Status List the status claim points at>",
//         "nonce": "<the verifier's nonce, when a key-binding JWT must be checked>"}
// stdout: {verified, claims, error}
//
// Nothing is fetched: the status list is the one given.
import fs from 'node:fs';
import crypto from 'node:crypto';
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {digest} from '@sd-jwt/crypto-nodejs';

const input = JSON.parse(fs.readFileSync(0, 'utf8'));

function verifierFor(jwk) {
  const key = crypto.createPublicKey({key: jwk, format: 'jwk'});
  const ec = jwk.kty === 'EC';
  return async (data, signature) => crypto.verify(
    ec ? 'sha256' : null, Buffer.from(data), ec ? {key, dsaEncoding: 'ieee-p1363'} : key,
    Buffer.from(signature, 'base64url'));
}

const sdjwt = new SDJwtVcInstance({
  hasher: digest,
  hashAlg: 'sha-256',
  verifier: verifierFor(input.issuer_jwk),
  kbVerifier: async (data, signature, payload) =>
    verifierFor(payload.cnf.jwk)(data, signature),
  statusListFetcher: async uri => {
    if(!input.status_list_jwt) {
      throw new Error(`refusing to fetch ${uri}: no status list given`);
    }
    return input.status_list_jwt;
  },
});

try {
  const options = input.nonce ? {keyBindingNonce: input.nonce} : {};
  const result = await sdjwt.verify(input.sd_jwt, options);
  console.log(JSON.stringify({verified: true, claims: result.payload, error: null}));
} catch(e) {
  console.log(JSON.stringify({verified: false, claims: null, error: String(e.message || e)}));
}
