// `k6/execution`: live information about the instance, scenario, VU and test, read per call from
// the calling VU's store.
import { currentRun, TestAbortError } from '../runtime.ts';
import { currentStore } from '../vu.ts';

const outside = (what: string): never => {
  throw new Error(`exec.${what} is only available while a scenario runs (not in the init context, setup or teardown)`);
};

export const instance = {
  get iterationsInterrupted(): number {
    return currentRun().iterationsInterrupted;
  },
  get iterationsCompleted(): number {
    return currentRun().iterationsCompleted;
  },
  get vusActive(): number {
    return currentRun().vusActive;
  },
  get vusInitialized(): number {
    return currentRun().vusInitialized;
  },
  get currentTestRunDuration(): number {
    return currentRun().elapsedMs();
  },
};

const scenarioOf = (what: string) => currentStore()?.vu.scenario ?? outside(`scenario.${what}`);

export const scenario = {
  get name(): string {
    return scenarioOf('name').name;
  },
  get executor(): string {
    return scenarioOf('executor').config.executor;
  },
  get startTime(): number {
    return scenarioOf('startTime').startedAtMs;
  },
  get progress(): number {
    return scenarioOf('progress').progress();
  },
  get iterationInInstance(): number {
    return currentStore()?.vu.scenario ? currentStore()!.vu.iterationInScenarioInstance : outside('scenario.iterationInInstance');
  },
  get iterationInTest(): number {
    return currentStore()?.vu.scenario ? currentStore()!.vu.iterationInScenarioTest : outside('scenario.iterationInTest');
  },
};

const vuOf = () => currentStore()?.vu ?? currentRun().setupVu;

/**
 * exec.vu.metrics.tags: reads give the VU's current tags as k6 does (the run's and scenario's, the
 * scenario and group, and the script's own); writes add tags to every later sample of this VU.
 */
function tagsProxy(): Record<string, string> {
  const vu = vuOf();
  const view: Record<string, string> = { ...currentRun().tagsFor(currentStore()) };
  return new Proxy(view, {
    set(target, key, value) {
      if (typeof key !== 'string') return false;
      if (!(key in vu.userTags)) vu.userTagCount++;
      vu.userTags[key] = target[key] = String(value);
      return true;
    },
    deleteProperty(target, key) {
      if (typeof key === 'string' && key in vu.userTags) {
        delete vu.userTags[key];
        delete target[key];
        vu.userTagCount--;
      }
      return true;
    },
  });
}

export const vu = {
  get iterationInInstance(): number {
    return vuOf().iteration;
  },
  get iterationInScenario(): number {
    return vuOf().iterationInScenario;
  },
  get idInInstance(): number {
    return vuOf().id;
  },
  get idInTest(): number {
    return vuOf().id;
  },
  get tags(): Record<string, string> {
    return tagsProxy();
  },
  metrics: {
    get tags(): Record<string, string> {
      return tagsProxy();
    },
    get metadata(): Record<string, string> {
      return vuOf().metadata;
    },
  },
};

export const test = {
  /** Stops the whole test with exit code 108 after teardown and handleSummary. */
  abort(reason?: string): never {
    const message = reason ? `test aborted: ${reason}` : 'test aborted';
    currentRun().abort(message, 108);
    throw new TestAbortError(message);
  },
  /** Marks the test failed (exit code 110) and lets it run on. */
  fail(reason?: string): void {
    const run = currentRun();
    run.failedByScript = true;
    if (reason) process.stderr.write(`test marked failed: ${reason}\n`);
  },
  get options(): Record<string, unknown> {
    return currentRun().options;
  },
};

export default { instance, scenario, vu, test };
