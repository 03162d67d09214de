import { describeProductionSettings } from '@kundval/platform/testing';
import { DecisionsConfig } from './config.js';

describeProductionSettings('decisions', DecisionsConfig, { port: '4101' });
