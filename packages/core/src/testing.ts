// Test support for packages above core (the runner's tests): the shared forge model folders, a local hub.
// Not part of the inference library's API, so not re-exported from index.ts.

export { TEST_CACHE_DIR } from './forge/test-helpers.ts';
export { type HubRepos, type HubTestServer, startHubTestServer } from './model/hub/hub-test-server.ts';
export { PROMPTS, TEST_MODELS_DIR, testModels } from './testing/test-models.ts';
