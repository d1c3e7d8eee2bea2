import { nodeSuite } from '../../src/node/crypto-suite.js';
import { webSuite } from '../../src/crypto/suite/web.js';
import { cryptoSuiteContract } from '../crypto/suite-contract.js';

cryptoSuiteContract(nodeSuite, webSuite);
cryptoSuiteContract(webSuite, nodeSuite);
