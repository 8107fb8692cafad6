// Public entry of the mock: the server, the in-process app and the settings.
export { startMockServer, createMockApp, type RunningMock, type MockApp } from './server.ts';
export { DEFAULT_MOCK_OPTIONS, resolveOptions, type MockOptions, type JitterKind } from './options.ts';
export { planRequest, type Overrides, type RequestPlan } from './plan.ts';
