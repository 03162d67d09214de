import { describeProductionSettings } from '@kundval/platform/testing';
import { OrdersConfig } from './config.js';

describeProductionSettings('orders', OrdersConfig, { port: '4102' });
