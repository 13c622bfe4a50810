import { IN_PLACE_KV_KIND, kvCacheConformance } from './kv-cache-conformance.ts';

kvCacheConformance('fp32', IN_PLACE_KV_KIND);
kvCacheConformance('int8', IN_PLACE_KV_KIND);
