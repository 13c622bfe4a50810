import { kvCacheConformance } from './kv-cache-conformance.ts';

kvCacheConformance('fp32');
kvCacheConformance('int8');
