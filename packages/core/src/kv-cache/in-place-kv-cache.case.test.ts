import { IN_PLACE_KV_KIND, kvCacheConformance } from './kv-cache-conformance.ts';

// The in-place kind keeps float32 only (the forge in-place graph has no int8 variant yet).
kvCacheConformance('fp32', IN_PLACE_KV_KIND);
