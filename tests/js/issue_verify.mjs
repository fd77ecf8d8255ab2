// The same work as bench/credentials.py's issue+verify, done by Digital Bazaar's
// JavaScript stack: sign a credential with eddsa-rdfc-2022, then verify it, each time a
// new credential (its own id), for `count` credentials. Only the standard contexts and
// the issuer's DID document are loaded, from memory.
//
// stdin: {"credential": <unsigned, issuer = did:web…>, "count": n}
// stdout: {"per_s": …, "count": n}
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {CONTEXTS, DID_CONTEXT, MULTIKEY_CONTEXT} from './contexts.mjs';

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const base = input.credential;
const DID = typeof base.issuer === 'string' ? base.issuer : base.issuer.id;
const key = await Ed25519Multikey.generate({controller: DID});
key.id = `${DID}#${key.publicKeyMultibase}`;
const method = await key.export({publicKey: true, includeContext: false});
const didDocument = {
  '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
  id: DID, verificationMethod: [method], assertionMethod: [key.id],
};
async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  if(url === DID) {
    return {contextUrl: null, documentUrl: url, document: didDocument};
  }
  if(url === key.id) {
    return {contextUrl: null, documentUrl: url,
      document: {'@context': didDocument['@context'], ...method}};
  }
  throw new Error(`refusing to load ${url}`);
}

async function once(i) {
  const credential = {...structuredClone(base),
    id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`};
  const signed = await vc.issue({credential, documentLoader,
    suite: new DataIntegrityProof({signer: key.signer(), cryptosuite})});
  const result = await vc.verifyCredential({credential: signed, documentLoader,
    suite: new DataIntegrityProof({cryptosuite})});
  if(!result.verified) {
    throw new Error(JSON.stringify(result.error).slice(0, 500));
  }
}

for(let i = 0; i < 10; i++) {
  await once(i);  // warm up
}
const started = performance.now();
for(let i = 0; i < input.count; i++) {
  await once(1000 + i);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({per_s: input.count / seconds, count: input.count}));
