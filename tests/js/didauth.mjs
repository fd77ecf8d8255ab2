// A wallet's DID Authentication, signed by Digital Bazaar's JavaScript stack (an
// implementation nobody on the vnfil project wrote), as the Learner Credential Wallet
// signs it: a presentation with only a holder (its did:key), created by `vc`'s
// createPresentation (VC 2.0 context) and signed by signPresentation over the exchange's
// challenge and domain (proof purpose `authentication`), with Ed25519Signature2020 (what
// LCW uses: app/lib/exchanges.ts) or eddsa-rdfc-2022. tests/test_vcapi.py drives it.
//
// stdin: {"requests": [{"challenge", "domain", "suite", "seed"?}]}
//   suite: "Ed25519Signature2020" | "eddsa-rdfc-2022"; seed: 64 hex digits (a key's seed,
//   so two requests can be signed by one wallet), else a new key.
// stdout: [{"holder": "did:key:…", "presentation": {…}}]
//
// Only the standard contexts (and the Ed25519Signature2020 one) are loaded, from memory.
import fs from 'node:fs';
import {createRequire} from 'node:module';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from
  '@digitalbazaar/ed25519-verification-key-2020';
import {CONTEXTS} from './contexts.mjs';

const require = createRequire(import.meta.url);
const ed2020Ctx = require('ed25519-signature-2020-context');
const contexts = new Map([...CONTEXTS, [ed2020Ctx.CONTEXT_URL, ed2020Ctx.CONTEXT]]);

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  throw new Error(`refusing to load ${url}: nothing is fetched`);
}

function seedOf(hex) {
  return hex ? Uint8Array.from(Buffer.from(hex, 'hex')) : undefined;
}

async function suiteFor({suite, seed}) {
  if(suite === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.generate({seed: seedOf(seed)});
    const did = `did:key:${key.fingerprint()}`;
    key.controller = did;
    key.id = `${did}#${key.fingerprint()}`;
    return {did, suite: new Ed25519Signature2020({key})};
  }
  if(suite === 'eddsa-rdfc-2022') {
    const key = await Ed25519Multikey.generate({seed: seedOf(seed)});
    const did = `did:key:${key.publicKeyMultibase}`;
    key.controller = did;
    key.id = `${did}#${key.publicKeyMultibase}`;
    return {did, suite: new DataIntegrityProof({signer: key.signer(), cryptosuite: eddsaRdfc2022})};
  }
  throw new Error(`unknown suite ${suite}`);
}

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = [];
for(const request of input.requests) {
  const {did, suite} = await suiteFor(request);
  const presentation = vc.createPresentation({holder: did});
  const signed = await vc.signPresentation({
    presentation, suite, documentLoader,
    challenge: request.challenge, domain: request.domain,
  });
  out.push({holder: did, presentation: signed});
}
process.stdout.write(JSON.stringify(out));
