// Verifies vnfil credentials with Digital Bazaar's JavaScript stack, an implementation
// nobody on the vnfil project wrote (tests/test_interop.py drives it).
//
// stdin: {"credentials": [...], "served": {"<did or URL>": document}}
// stdout: one result per credential: {verified, revoked, error}
//
// The document loader holds only the standard contexts (VC 2.0, OB 3.0.3, DID v1,
// Multikey v1, Data Integrity) and what vnfil served (the issuer's DID document, the
// status lists): anything else is refused, nothing is fetched.
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {CONTEXTS} from './contexts.mjs';

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const served = new Map(Object.entries(input.served || {}));

async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  const [base, fragment] = url.split('#');
  const doc = served.get(base);
  if(!doc) {
    throw new Error(`refusing to load ${url}: not a standard context, nothing vnfil served`);
  }
  if(!fragment) {
    return {contextUrl: null, documentUrl: url, document: doc};
  }
  const method = (doc.verificationMethod || []).find(m => m.id === url);
  if(!method) {
    throw new Error(`${url} is not in ${base}'s DID document`);
  }
  return {contextUrl: null, documentUrl: url,
    document: {'@context': doc['@context'], ...method}};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const results = [];
for(const credential of input.credentials) {
  try {
    const r = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
    const statuses = r.statusResult?.results || [];
    const errors = [r.error, ...(r.results || []).map(x => x.error)].filter(Boolean);
    results.push({
      verified: r.verified,
      revoked: statuses.some(s => s.status === true),
      error: errors.length ?
        String(errors[0].errors?.[0]?.message || errors[0].message || errors[0]).slice(0, 300) :
        null,
    });
  } catch(e) {
    results.push({verified: false, revoked: false, error: String(e.message || e).slice(0, 300)});
  }
}
process.stdout.write(JSON.stringify(results));
