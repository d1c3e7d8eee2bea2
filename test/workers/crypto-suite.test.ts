/** The web crypto suite inside workerd, where Ordo on Workers runs it. */
import { webSuite } from '../../src/crypto/suite/web.js';
import { cryptoSuiteContract } from '../crypto/suite-contract.js';

cryptoSuiteContract(webSuite);
