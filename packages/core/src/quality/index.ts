export { EVAL_PROMPT, EVAL_TEXT, EVAL_TEXT_SOURCE, EVAL_TEXT_VERSION } from './eval-text.ts';
export { GREEDY_PREFIX_TOKENS, measureModelQuality } from './model-quality.ts';
export { commonPrefixLength, perplexity, QualityError, type TeacherForcedQuality, teacherForcedQuality } from './quality-metrics.ts';
